import Collectives
import Foundation
import Layers
import Tensors

/// Data-parallel training: each rank of a job takes a shard of every global batch, the ranks' gradients
/// are summed (`GradientReducer`), and every rank takes the same optimizer step.
///
/// - The spec's `batch_size` is the global batch: rank `r` of `N` takes rows `shard(of:)` of each
///   batch, so steps per epoch, learning rate and results do not depend on `N`.
/// - A rank's gradient is the mean over its shard; it is weighted by its share of the batch's loss
///   terms (rows, or the steps the mask keeps) before the sum, so the summed gradient is the mean
///   over the whole batch — the gradient one process computes, up to float rounding.
/// - Clipping, the non-finite check and the optimizer step follow the sum, identically on every rank.
/// - Dropout masks are seeded per rank (rank 0 uses the single-process seed).
/// - Metrics: `SummableMetric`s are summed over the ranks before they are read; other metrics are
///   averaged over the ranks. Validation is sharded the same way.
extension Trainer {
    /// The job this trainer belongs to (`SingleProcess` unless set).
    public var communicator: any Communicator { reducer.communicator }

    /// The dropout seed of a step on this rank.
    func rankSeed(_ seed: UInt64) -> UInt64 {
        communicator.rank == 0 ? seed : seed ^ (UInt64(communicator.rank) &* 0x94D0_49BB_1331_11EB)
    }

    /// This rank's rows of a global batch.
    func localRows(_ batch: ArraySlice<Int>) -> ArraySlice<Int> {
        guard communicator.size > 1 else { return batch }
        let r = communicator.shard(of: batch.count)
        return batch[(batch.startIndex + r.lowerBound)..<(batch.startIndex + r.upperBound)]
    }

    /// Sums the shards' gradients and losses, each weighted by its count of loss terms `weight`:
    /// returns the whole batch's mean loss and mean gradients.
    func reduceGradients(_ grads: [Tensor], loss: Float, weight: Float) throws -> (Float, [Tensor]) {
        var extra: [Float] = [loss * weight]
        let (mean, total) = try reducer.weightedMean(grads, weight: weight, extra: &extra)
        // A loss over no kept term is 0 with zero gradients, as `Loss` divides by max(kept, 1).
        return (extra[0] / max(total, 1), mean)
    }

    /// Refuses what sharding would make wrong: a stateful recurrent layer carries each row's state
    /// into the same row of the next batch, and a rank's rows change from batch to batch.
    func checkDataParallel() throws {
        guard communicator.size > 1 else { return }
        let recurrent = model.layers.flatMap { l -> [any RecurrentLayer] in
            if let r = l as? any RecurrentLayer { return [r] }
            return (l as? any WrapsRecurrentLayers)?.wrappedRecurrentLayers ?? []
        }
        if let s = recurrent.first(where: { $0.config.stateful }) {
            throw TrainingError.invalid(
                "layer \(s.name) is stateful (it carries each row's state into the next batch), which data-parallel training cannot keep: train it on one process, or set stateful: false"
            )
        }
    }

    /// Makes every rank start from rank 0's weights (a resumed run's, or its seeded initialisation).
    func synchronizeWeights() throws {
        guard communicator.size > 1 else { return }
        let params = model.namedParameters
        let values = try reducer.broadcastFromPrimary(params.map(\.parameter.value))
        for (p, v) in zip(params, values) { try p.parameter.assign(v, name: p.name) }
    }

    /// Each metric's result by name (the first of two with one name), leaving out undefined ones.
    static func results(of metrics: [any Metric]) -> [String: Double] {
        Dictionary(metrics.compactMap { m in m.result().map { (m.name, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    /// The metrics' results over all ranks' batches since their reset: summable metrics are summed
    /// (and keep the summed state), the others averaged over the ranks that have a value.
    func reducedResults(_ metrics: [any Metric]) throws -> [String: Double] {
        guard communicator.size > 1 else { return Trainer.results(of: metrics) }
        let summable = metrics.compactMap { $0 as? any SummableMetric }
        // A rank that saw no batch has an empty state: every rank pads to the longest.
        let lengths = try communicator.maximum(summable.map { Double($0.sums.count) }).map { Int($0) }
        var flat: [Double] = []
        for (m, n) in zip(summable, lengths) { flat += m.sums + [Double](repeating: 0, count: n - m.sums.count) }
        let others = metrics.filter { !($0 is any SummableMetric) }
        for m in others { flat += m.result().map { [$0, 1] } ?? [0, 0] }
        flat = try communicator.sum(flat)
        var at = 0
        for (m, n) in zip(summable, lengths) {
            m.sums = Array(flat[at..<(at + n)])
            at += n
        }
        var out: [String: Double] = [:]
        for m in summable { if let v = m.result(), out[m.name] == nil { out[m.name] = v } }
        for m in others {
            if flat[at + 1] > 0, out[m.name] == nil { out[m.name] = flat[at] / flat[at + 1] }
            at += 2
        }
        return out
    }

    /// `evaluate` over this rank's shard of `x`, `y`, summed over the ranks: the loss and metrics of
    /// the whole set.
    func evaluateAcrossRanks(x: Tensor, y: Tensor, batchSize: Int, task: TaskKind, metrics: [any Metric]) throws
        -> (loss: Double, metrics: [String: Double])
    {
        guard communicator.size > 1 else {
            let e = try evaluate(x: x, y: y, batchSize: batchSize, task: task, metrics: metrics)
            return (e.loss, e.metrics)
        }
        let rows = communicator.shard(of: x.shape[0])
        var local = [0.0, 0.0]
        for m in metrics { m.reset() }
        if !rows.isEmpty {
            let e = try evaluate(
                x: try x.slice(axis: 0, start: rows.lowerBound, length: rows.count),
                y: try y.slice(axis: 0, start: rows.lowerBound, length: rows.count), batchSize: batchSize, task: task,
                metrics: metrics)
            local = [e.loss * e.weight, e.weight]
        }
        let total = try communicator.sum(local)
        return (total[0] / max(total[1], 1), try reducedResults(metrics))
    }
}
