import Foundation
import Specs
import XCTest

/// `split.seed`: the shuffle that deals the rows into training, validation and test parts can
/// be seeded apart from the model, so that runs with other seeds share one validation part.
final class SplitSeedTests: RunnerTestCase {
    func spec(seed: Int, split: String) throws -> Spec {
        let words = (0..<60).map { i in String(UnicodeScalar(97 + i % 26)!) + String(i) }
        _ = try write("data.tsv", words.map { "\($0)\t\(String($0.reversed()))" }.joined(separator: "\n") + "\n")
        let url = try write(
            "s\(seed).yaml",
            """
            seed: \(seed)
            data: {source: pairs, path: data.tsv}
            task: {type: sequence_to_sequence}
            split: \(split)
            graph:
              nodes:
                - {name: src, type: Embedding, output_dim: 4, mask_zero: true, inputs: [source]}
                - {name: enc, type: GRU, units: 4}
                - {name: tgt, type: Embedding, output_dim: 4, mask_zero: true, inputs: [target_in]}
                - {name: dec, type: GRU, units: 4, return_sequences: true, inputs: [tgt, enc]}
                - {name: out, type: Dense, units: 8, activation: softmax}
            loss: sparse_categorical_crossentropy
            optimizer: adam
            """)
        return try SpecLoader(registry: registry).load(url)
    }

    /// The training rows in order (their last `validation` share is the validation part) and the test rows.
    func parts(_ s: Spec) throws -> (train: [Float], test: [Float]) {
        let d = try s.prepareData()
        return (d.xTrain.scalars, d.xTest.scalars)
    }

    func testASplitSeedKeepsThePartsWhateverTheModelSeed() throws {
        let fixed = "{test: 0.2, validation: 0.2, seed: 7}"
        let (a, b) = (try parts(spec(seed: 1, split: fixed)), try parts(spec(seed: 2, split: fixed)))
        XCTAssertEqual(a.train, b.train)
        XCTAssertEqual(a.test, b.test)
        XCTAssertEqual(try spec(seed: 1, split: fixed).splitSeed, 7)
        // Without it the parts follow the spec's seed, as before: the same as split.seed 1.
        let plain = "{test: 0.2, validation: 0.2}"
        let (c, d) = (try parts(spec(seed: 1, split: plain)), try parts(spec(seed: 2, split: plain)))
        XCTAssertNotEqual(c.train, d.train)
        XCTAssertNotEqual(c.test, d.test)
        XCTAssertEqual(c.train, try parts(spec(seed: 5, split: "{test: 0.2, validation: 0.2, seed: 1}")).train)
    }

    func testANegativeSplitSeedIsAnErrorAtItsLine() throws {
        XCTAssertThrowsError(try spec(seed: 1, split: "{validation: 0.2, seed: -4}")) { e in
            let issue = (e as? SpecErrors)?.issues.first
            XCTAssertEqual(issue?.line, 4, "\(e)")
            XCTAssertTrue(issue?.message.contains("'seed'") ?? false, "\(e)")
        }
    }
}
