import Layers
import Optimizers
import Tensors
import XCTest

@testable import Training

/// `bucket_by_length`: batches of examples of similar length.
final class LengthBucketsTests: XCTestCase {
    func testLengthsCountNonZeroInputs() throws {
        let x = try Tensor(shape: [3, 5], scalars: [4, 2, 0, 0, 0, 7, 0, 0, 0, 0, 1, 2, 3, 4, 5])
        XCTAssertEqual(LengthBuckets.lengths(of: x), [2, 1, 5])
    }

    func testEveryExampleOnceInBatchesOfSimilarLength() throws {
        var g = SeededGenerator(seed: 3)
        let n = 965  // three pools of 320 and a short last batch of 5
        let lengths = (0..<n).map { _ in Int(g.next() % 20) + 1 }
        let shuffled = SeededGenerator.epochOrder(count: n, seed: 1, epoch: 1)
        let order = LengthBuckets.order(shuffled, lengths: lengths, batchSize: 10, seed: 1, epoch: 1)
        XCTAssertEqual(order.sorted(), Array(0..<n))
        func spreads(_ o: [Int]) -> [Int] {
            stride(from: 0, to: n, by: 10).map { s in
                let l = o[s..<min(n, s + 10)].map { lengths[$0] }
                return l.max()! - l.min()!
            }
        }
        // A pool of 320 examples holds ~16 of each of 20 lengths: a batch spans one or two
        // (three where one length is rare), where random batches of 10 span about 15.
        XCTAssertLessThanOrEqual(spreads(order).dropLast().max()!, 2)
        XCTAssertLessThan(Double(spreads(order).reduce(0, +)) / 97, 1)
        XCTAssertGreaterThan(Double(spreads(shuffled).reduce(0, +)) / 97, 10)
        // The short batch (the last pool, 5 examples) stays last.
        XCTAssertEqual(Set(order.suffix(5)), Set(shuffled.suffix(5)))
        // The full batches are not in length order.
        let batchLengths = stride(from: 0, to: 960, by: 10).map { lengths[order[$0]] }
        XCTAssertNotEqual(batchLengths, batchLengths.sorted())
        // Same seed and epoch: the same order; another epoch: another.
        XCTAssertEqual(order, LengthBuckets.order(shuffled, lengths: lengths, batchSize: 10, seed: 1, epoch: 1))
        XCTAssertNotEqual(order, LengthBuckets.order(shuffled, lengths: lengths, batchSize: 10, seed: 1, epoch: 2))
    }

    /// Padded token sequences (label: token 3 occurs) through Embedding(mask_zero) → LSTM: bucketed
    /// batches learn, and the same seed gives the same weights.
    func testFitWithBucketsLearnsAndIsDeterministic() throws {
        var g = SeededGenerator(seed: 4)
        let (n, T) = (240, 12)
        var ids = [Float](repeating: 0, count: n * T)
        var labels = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let length = Int(g.next() % UInt64(T)) + 1
            for t in 0..<length { ids[i * T + t] = Float(g.next() % 5 + 1) }
            labels[i] = (0..<length).contains { ids[i * T + $0] == 3 } ? 1 : 0
        }
        let x = try Tensor(shape: [n, T], scalars: ids)
        let y = try Tensor(shape: [n, 1], scalars: labels)
        func train() throws -> (weights: [Float], loss: [Double]) {
            let model = try Sequential(
                inputShape: [T],
                layers: [
                    Embedding(inputDim: 6, outputDim: 4, maskZero: true), LSTM(units: 8),
                    Dense(units: 1, activation: .sigmoid),
                ], seed: 2)
            let trainer = Trainer(model: model, loss: BinaryCrossEntropy(), optimizer: Adam(learningRate: 0.03))
            var o = FitOptions()
            o.epochs = 8
            o.batchSize = 16
            o.seed = 5
            o.bucketByLength = true
            o.verbosity = .quiet
            let h = try trainer.fit(x: x, y: y, options: o)
            return (model.namedParameters.flatMap { $0.parameter.value.scalars }, h.epochs.map { $0.values["loss"]! })
        }
        let (a, b) = (try train(), try train())
        XCTAssertEqual(a.weights, b.weights)
        XCTAssertLessThan(a.loss.last!, 0.5 * a.loss.first!, "\(a.loss)")
    }
}
