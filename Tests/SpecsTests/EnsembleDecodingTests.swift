import Foundation
import Layers
import Specs
import Tensors
import Training
import XCTest

/// Decoding with an ensemble (`unroll evaluate/predict --ensemble`): each step's next-token
/// probability is the mean of the models' probabilities.
final class EnsembleDecodingTests: RunnerTestCase {
    static let (ts, tl, vocab) = (4, 5, 9)

    /// A small encoder–decoder over `vocab` ids; `logits` leaves out the softmax.
    func decoder(seed: UInt64, logits: Bool) throws -> Model {
        try Model(
            inputShape: [Self.ts + Self.tl],
            nodes: [
                .init(try Embedding(inputDim: Self.vocab, outputDim: 4, maskZero: true), inputs: ["source"], name: "s"),
                .init(try LSTM(units: 6, returnSequences: true), inputs: ["s"], name: "enc"),
                .init(
                    try Embedding(inputDim: Self.vocab, outputDim: 4, maskZero: true), inputs: ["target_in"], name: "t"),
                .init(try LSTM(units: 6, returnSequences: true), inputs: ["t", "enc.h", "enc.c"], name: "dec"),
                .init(Attention(), inputs: ["dec", "enc"], name: "att"),
                .init(Concatenate(), inputs: ["dec", "att"], name: "both"),
                .init(Dense(units: Self.vocab, activation: logits ? .linear : .softmax), inputs: ["both"], name: "out"),
            ],
            inputParts: [.init(name: "source", shape: [Self.ts]), .init(name: "target_in", shape: [Self.tl])],
            seed: seed)
    }

    /// Step `t`'s probabilities of `model` after `tokens`, from the whole model's outputs.
    func probabilities(_ model: Model, source: [Int], tokens: [Int], step t: Int, logits: Bool) throws -> [Double] {
        let (ts, tl, v) = (Self.ts, Self.tl, Self.vocab)
        let x = SequenceToSequenceTask.packedRow(source: source, tokens: tokens, sourceLength: ts, targetLength: tl)
        let y = try model.predict(try Tensor(shape: [1, ts + tl], scalars: x)).scalars
        let step = y[(t * v)..<((t + 1) * v)].map(Double.init)
        guard logits else { return step }
        let sum = step.map { exp($0) }.reduce(0, +)
        return step.map { exp($0) / sum }
    }

    /// Greedy decoding of a softmax model and a logit model together picks, at each step, the
    /// largest mean probability (written out here from each model's whole outputs) and scores the
    /// output by the logarithms of those means; step-by-step decoding and re-running on every
    /// prefix agree. An ensemble of a model with itself decodes as the model alone.
    func testGreedyEnsembleTakesTheLargestMeanProbability() throws {
        let (a, b) = (try decoder(seed: 3, logits: false), try decoder(seed: 11, logits: true))
        let sources = [[4, 5, 6], [7, 7], [8, 4, 6, 5]]
        var expected: [[Int]] = []
        var scores: [Double] = []
        for source in sources {
            var tokens: [Int] = []
            var logp = 0.0
            for t in 0..<Self.tl {
                let pa = try probabilities(a, source: source, tokens: tokens, step: t, logits: false)
                let pb = try probabilities(b, source: source, tokens: tokens, step: t, logits: true)
                let mean = zip(pa, pb).map { ($0 + $1) / 2 }
                let best = (3..<Self.vocab).max { mean[$0] < mean[$1] || (mean[$0] == mean[$1] && $0 > $1) }!
                logp += log(mean[best])
                if best == 3 { break }
                tokens.append(best)
            }
            expected.append(tokens)
            scores.append(logp)
        }
        let task = SequenceToSequenceTask()
        for stepwise in [true, false] {
            SequenceToSequenceTask.stepwiseDecoding = stepwise
            defer { SequenceToSequenceTask.stepwiseDecoding = true }
            let found = try task.beamSearch([a, b], sources: sources).map { $0[0] }
            XCTAssertEqual(found.map(\.tokens), expected, "stepwise: \(stepwise)")
            for (c, s) in zip(found, scores) { XCTAssertEqual(c.logProbability, s, accuracy: 1e-4) }
        }
        let alone = try task.beamSearch(a, sources: sources).map { $0[0] }
        let twice = try task.beamSearch([a, a], sources: sources).map { $0[0] }
        XCTAssertEqual(twice.map(\.tokens), alone.map(\.tokens))
        for (x, y) in zip(twice, alone) { XCTAssertEqual(x.logProbability, y.logProbability, accuracy: 1e-9) }
        XCTAssertNotEqual(
            try task.beamSearch(b, sources: sources).map { $0[0].tokens }, expected,
            "the two models alone decode differently from their ensemble: the test could not fail otherwise")
    }

    /// `evaluate` and `predict` with `--ensemble`: a bundle joined with itself decodes as alone; a
    /// bundle of another vocabulary is an error naming it and what differs; a task that cannot
    /// combine models says so.
    func testRunnerEnsemblesBundlesOfOneVocabulary() throws {
        func pairs(_ name: String, _ letters: String) throws {
            var rng = SeededGenerator(seed: 2)
            let lines = (0..<60).map { _ -> String in
                let w = String(
                    (0..<(2 + Int(rng.nextUnitFloat() * 3))).map { _ in letters.randomElement(using: &rng)! })
                return "\(w)\t\(String(w.reversed()))"
            }
            _ = try write(name, lines.joined(separator: "\n") + "\n")
        }
        try pairs("abc.tsv", "abc")
        try pairs("abd.tsv", "abd")
        func train(_ data: String, units: Int, output: String) throws -> URL {
            let spec = try write(
                "\(output).yaml",
                """
                seed: 4
                data: {source: pairs, path: \(data)}
                graph:
                  nodes:
                    - {name: src, type: Embedding, output_dim: 8, mask_zero: true, inputs: [source]}
                    - {name: enc, type: LSTM, units: \(units), return_sequences: true}
                    - {name: tgt, type: Embedding, output_dim: 8, mask_zero: true, inputs: [target_in]}
                    - {name: dec, type: LSTM, units: \(units), return_sequences: true, inputs: [tgt, enc.h, enc.c]}
                    - {name: att, type: Attention, inputs: [dec, enc]}
                    - {name: both, type: Concatenate, inputs: [dec, att]}
                    - {name: out, type: Dense, units: 7, activation: softmax}
                loss: sparse_categorical_crossentropy
                optimizer: {type: adam, learning_rate: 0.01}
                epochs: 2
                verbosity: quiet
                output: \(output)
                """)
            return try runner.train(spec).bundle
        }
        let (first, second, other) = (
            try train("abc.tsv", units: 12, output: "first"), try train("abc.tsv", units: 16, output: "second"),
            try train("abd.tsv", units: 12, output: "other")
        )
        let words = ["abc", "cab", "bb"]
        var joined = runner!
        joined.ensemble = [first]
        XCTAssertEqual(
            try joined.predict(bundle: first, texts: words).map(\.label),
            try runner.predict(bundle: first, texts: words).map(\.label))
        XCTAssertEqual(
            try joined.evaluate(bundle: first).metrics["decoded_exact_match"]!,
            try runner.evaluate(bundle: first).metrics["decoded_exact_match"]!, accuracy: 1e-12)
        joined.ensemble = [second]
        XCTAssertEqual(try joined.predict(bundle: first, texts: words).count, 3)
        joined.ensemble = [second, other]
        XCTAssertThrowsError(try joined.predict(bundle: first, texts: words)) {
            XCTAssertEqual(
                "\($0)", "\(other.path): cannot join an ensemble with \(first.path): the two bundles' classes differ")
        }
        let rows = (0..<40).map { i in i % 2 == 0 ? "good fine nice \(i % 7)\tpos" : "bad dull awful \(i % 5)\tneg" }
        _ = try write("t.tsv", "text\tlabel\n" + rows.joined(separator: "\n") + "\n")
        let classifier = try runner.train(
            try write(
                "c.yaml",
                """
                seed: 1
                data: {source: delimited, path: t.tsv, text_column: text, label_column: label}
                text: {sequence_length: 5}
                model:
                  - {type: Embedding, output_dim: 4}
                  - {type: LSTM, units: 4}
                  - {type: Dense, units: 2, activation: softmax}
                loss: sparse_categorical_crossentropy
                epochs: 1
                verbosity: quiet
                output: c
                """)
        ).bundle
        joined.ensemble = [classifier]
        XCTAssertThrowsError(try joined.predict(bundle: classifier, texts: ["good"])) {
            XCTAssertTrue("\($0)".contains("does not combine models"), "\($0)")
        }
    }
}
