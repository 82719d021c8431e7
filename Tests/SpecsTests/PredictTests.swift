import Foundation
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

/// `predict` for every kind of bundle that classifies or tags, one result per input line.
final class PredictTests: RunnerTestCase {
    /// A tagger prints each token with its tag; the padding tag is never given to a token.
    func testATaggerTagsEachToken() throws {
        _ = try write(
            "tags.tsv",
            (0..<40).map { i in "the\tDET\n\(["cat", "dog", "bird"][i % 3])\tNOUN\n\(["runs", "sleeps"][i % 2])\tVERB\n"
            }.joined(separator: "\n"))
        let r = try runner.train(
            try write(
                "t.yaml",
                """
                seed: 1
                data: {source: tagging, path: tags.tsv}
                text: {sequence_length: 5}
                model: [{type: Embedding, output_dim: 8, mask_zero: true}, {type: LSTM, units: 8, return_sequences: true}, {type: Dense, units: 4, activation: softmax}]
                loss: sparse_categorical_crossentropy
                optimizer: {type: adam, learning_rate: 0.05}
                epochs: 30
                verbosity: quiet
                output: out
                """))
        let p = try runner.predict(bundle: r.bundle, texts: ["the dog sleeps", "", "the bird runs"])
        XCTAssertEqual(p[0].label, "the/DET dog/NOUN sleeps/VERB")
        XCTAssertEqual(p[0].tokens?.map(\.tag), ["DET", "NOUN", "VERB"])
        XCTAssertEqual(p[1].label, "", "an empty line gives an empty result, in step with the lines")
        XCTAssertEqual(p[2].label, "the/DET bird/NOUN runs/VERB")
        XCTAssertGreaterThan(p[2].tokens?.first?.probability ?? 0, 0.5)
    }

    /// A numeric classifier reads comma-separated features and scales them as training did.
    func testANumericClassifierReadsFeaturesScaledAsInTraining() throws {
        // The class is which of the two features is larger; the file's values are ×10, scaled back.
        _ = try write(
            "n.csv",
            (0..<80).map { i in
                let a = Double(i % 9)
                let b = Double((i * 7) % 9)
                return "\(a * 10),\(b * 10),\(a > b ? 1 : 0)"
            }.joined(separator: "\n") + "\n")
        let r = try runner.train(
            try write(
                "n.yaml",
                """
                seed: 2
                data: {source: numeric_csv, path: n.csv, scale: 0.1}
                model: [{type: Dense, units: 16, activation: tanh}, {type: Dense, units: 2}]
                loss: {type: sparse_categorical_crossentropy, from_logits: true}
                optimizer: {type: adam, learning_rate: 0.05}
                epochs: 80
                verbosity: quiet
                output: out
                """))
        let p = try runner.predict(bundle: r.bundle, texts: ["80, 10", "10,80", ""])
        XCTAssertEqual(p.map(\.label), ["1", "0", ""])
        XCTAssertEqual(p[0].probabilities.values.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertThrowsError(try runner.predict(bundle: r.bundle, texts: ["1,2,3"])) { e in
            XCTAssertTrue("\(e)".contains("line 1: the model takes 2 features, the line has 3"), "\(e)")
        }
        XCTAssertThrowsError(try runner.predict(bundle: r.bundle, texts: ["1,2", "1,x"])) { e in
            XCTAssertTrue("\(e)".contains("line 2: feature 2, 'x', is not a finite number"), "\(e)")
        }
    }
}
