import Foundation
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

/// Specs through the runner: train → bundle → load → predict/generate/evaluate.
final class EndToEndTests: RunnerTestCase {
    func testHelloSpecTrainsAndGenerates() throws {
        _ = try write("hello.txt", "hello")
        let spec = try write(
            "hello.yaml",
            """
            name: hello
            seed: 1
            data: {source: characters, path: hello.txt}
            windows: {length: 4, stride: 1}
            model:
              - {type: OneHot}
              - {type: SimpleRNN, units: 8, return_sequences: true}
              - {type: Dense, units: 4}
            loss: {type: sparse_categorical_crossentropy, from_logits: true}
            optimizer: {type: adam, learning_rate: 0.05}
            batch_size: 1
            epochs: 150
            verbosity: quiet
            output: out
            """)
        let r = try runner.train(spec)
        XCTAssertEqual(r.test!.confusion?.accuracy, 1)
        XCTAssertEqual(r.classes, ["e", "h", "l", "o"])
        for f in [
            "spec.yaml", "model.json", "weights.safetensors", "optimizer.safetensors", "history.csv", "history.json",
            "metrics.json",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: r.bundle.appendingPathComponent(f).path), f)
        }
        XCTAssertEqual(try runner.generate(bundle: r.bundle, prime: "h", length: 4, temperature: 0.1, seed: 1), "hello")
        XCTAssertThrowsError(try runner.generate(bundle: r.bundle, prime: "hx", length: 4, temperature: 1, seed: 1)) {
            e in
            XCTAssertTrue("\(e)".contains("'x'"), "\(e)")
        }
        // Temperature 0 is greedy: the most likely character every step, whatever the seed.
        XCTAssertEqual(try runner.generate(bundle: r.bundle, prime: "h", length: 4, temperature: 0, seed: 9), "hello")
        for (temperature, length) in [
            (Double.infinity, 4), (.nan, 4), (-0.5, 4), (1, -1), (1, Runner.maxGenerateLength + 1),
        ] {
            XCTAssertThrowsError(
                try runner.generate(bundle: r.bundle, prime: "h", length: length, temperature: temperature, seed: 1)
            ) { e in
                XCTAssertTrue(
                    "\(e)".contains(
                        length == 4
                            ? "temperature must be 0 (greedy) or positive, and finite" : "length must be in 0…10000000"),
                    "\(e)")
            }
        }
        XCTAssertThrowsError(try runner.predict(bundle: r.bundle, texts: ["hi"])) { e in  // not a text bundle
            XCTAssertTrue("\(e)".contains("a character model samples text: unroll generate"), "\(e)")
        }
    }

    func testTextSpecBundleReloadsAndPredictsLikeTheTrainedModel() throws {
        var rows = ["split\tlabel\ttext"]
        let good = ["great", "wonderful", "moving", "superb", "fun"]
        let bad = ["dull", "awful", "boring", "tedious", "flat"]
        for i in 0..<120 {
            let pos = i % 2 == 0
            let w = (pos ? good : bad)[i % 5]
            let w2 = (pos ? good : bad)[(i / 5) % 5]
            rows.append("\(i % 5 == 0 ? "test" : "train")\t\(pos ? "pos" : "neg")\tThe film was <br />\(w) and \(w2)!")
        }
        _ = try write("reviews.tsv", rows.joined(separator: "\n") + "\n")
        let spec = try write(
            "s.yaml",
            """
            name: s
            seed: 2
            data: {source: delimited, path: reviews.tsv, split_column: split}
            text: {steps: [strip_html, lowercase, special_characters, collapse_whitespace], sequence_length: 8, max_tokens: 50}
            model:
              - {type: Embedding, output_dim: 8, mask_zero: true}
              - {type: GRU, units: 8}
              - {type: Dense, units: 2, activation: softmax}
            loss: sparse_categorical_crossentropy
            optimizer: {type: adam, learning_rate: 0.05}
            metrics: [accuracy, f1]
            batch_size: 16
            epochs: 15
            verbosity: quiet
            output: bundle
            """)
        let r = try runner.train(spec)
        XCTAssertEqual(r.test!.confusion!.accuracy, 1, "\(r.test!.confusion!.report())")
        let preds = try runner.predict(bundle: r.bundle, texts: ["What a superb, moving film", "dull and flat"])
        XCTAssertEqual(preds.map(\.label), ["pos", "neg"])
        XCTAssertEqual(preds[0].probabilities.values.reduce(0, +), 1, accuracy: 1e-5)
        // The reloaded model gives the trained model's predictions exactly.
        let b = try ModelBundle.load(r.bundle, registry: registry)
        XCTAssertEqual(
            try b.model.predict(b.pipeline!.encode(["dull"]).ids).scalars,
            r.test!.predictions.shape.isEmpty ? [] : try b.model.predict(b.pipeline!.encode(["dull"]).ids).scalars)
        let e = try runner.evaluate(bundle: r.bundle)
        XCTAssertEqual(e.confusion!.accuracy, r.test!.confusion!.accuracy)
        XCTAssertEqual(e.loss, r.test!.loss, accuracy: 1e-6)
        let metrics =
            try JSONSerialization.jsonObject(with: Data(contentsOf: r.bundle.appendingPathComponent("metrics.json")))
            as! [String: [String: Any]]
        XCTAssertEqual(metrics["test"]?["accuracy"] as? Double, 1)
    }

    /// A numeric-CSV spec for the resume tests: 60 rows, 3 classes, Adam, batch 8, checkpoints.
    func resumeSpec(_ name: String, epochs: Int, dropout: Bool = true, callbacks: String = "[{type: model_checkpoint}]")
        throws -> URL
    {
        _ = try write(
            "n.csv",
            (0..<60).map { i in "\(Double(i % 7) / 7),\(Double(i % 5) / 5),\(i % 3)" }.joined(separator: "\n") + "\n")
        return try write(
            "\(name).yaml",
            """
            name: \(name)
            seed: 5
            data: {source: numeric_csv, path: n.csv}
            model: [{type: Dense, units: 8, activation: tanh}, \(dropout ? "{type: Dropout, rate: 0.2}, " : ""){type: Dense, units: 3}]
            loss: {type: sparse_categorical_crossentropy, from_logits: true}
            optimizer: {type: adam, learning_rate: 0.01}
            batch_size: 8
            epochs: \(epochs)
            callbacks: \(callbacks)
            verbosity: quiet
            output: out-\(name)
            """)
    }

    /// A run killed after epoch 2 and resumed with `resume: true` ends with the weights and
    /// history of an uninterrupted run.
    func testResumeFromCheckpointsMatchesAnUninterruptedRun() throws {
        func spec(_ name: String, epochs: Int) throws -> URL { try resumeSpec(name, epochs: epochs) }
        let full = try runner.train(try spec("full", epochs: 5))
        _ = try runner.train(try spec("cut", epochs: 2))  // "killed" after epoch 2
        let resumed = try runner.train(try spec("cut", epochs: 5), resume: true)
        let a = try Data(contentsOf: full.bundle.appendingPathComponent("weights.safetensors"))
        let b = try Data(contentsOf: resumed.bundle.appendingPathComponent("weights.safetensors"))
        XCTAssertEqual(a, b)
        XCTAssertEqual(resumed.history.epochs.map(\.epoch), [1, 2, 3, 4, 5])
        XCTAssertEqual(
            resumed.history.epochs.map { $0.values["loss"]! }, full.history.epochs.map { $0.values["loss"]! })
        XCTAssertThrowsError(try runner.train(try spec("never", epochs: 1), resume: true)) { e in
            XCTAssertTrue(
                "\(e)".contains("no checkpoints to resume from") && "\(e)".contains("model_checkpoint"), "\(e)")
        }
    }

    /// Early stopping survives `--resume`: its best value and wait are replayed from the history
    /// and its best weights come from the checkpoint. Monitoring the training loss with mode max
    /// makes epoch 1 the best and, as Keras counts, stops after epoch 3 (patience 2: two epochs
    /// without improvement) — a resumed run that forgot this would train on to epoch 8 and end
    /// with other weights.
    func testResumeKeepsEarlyStoppingState() throws {
        func spec(_ name: String, epochs: Int) throws -> URL {
            try resumeSpec(
                name, epochs: epochs, dropout: false,
                callbacks: """
                    [{type: model_checkpoint}, {type: early_stopping, monitor: loss, mode: max, patience: 2, restore_best_weights: true}]
                    """)
        }
        let full = try runner.train(try spec("full", epochs: 8))
        XCTAssertEqual(full.history.epochs.map(\.epoch), [1, 2, 3])
        _ = try runner.train(try spec("cut", epochs: 2))  // "killed" after epoch 2
        let checkpoint = dir.appendingPathComponent("out-cut/checkpoints/epoch-0002/callbacks.safetensors")
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path))
        let resumed = try runner.train(try spec("cut", epochs: 8), resume: true)
        XCTAssertEqual(resumed.history.epochs.map(\.epoch), [1, 2, 3])
        XCTAssertEqual(
            try Data(contentsOf: full.bundle.appendingPathComponent("weights.safetensors")),
            try Data(contentsOf: resumed.bundle.appendingPathComponent("weights.safetensors")))
        // A run "killed" right after the epoch that stopped it: resuming trains no further epoch
        // (it trained one more before) and ends with the uninterrupted run's weights.
        _ = try runner.train(try spec("late", epochs: 3))  // stops after epoch 3, its last
        let again = try runner.train(try spec("late", epochs: 8), resume: true)
        XCTAssertEqual(again.history.epochs.map(\.epoch), [1, 2, 3])
        XCTAssertEqual(
            try Data(contentsOf: full.bundle.appendingPathComponent("weights.safetensors")),
            try Data(contentsOf: again.bundle.appendingPathComponent("weights.safetensors")))
    }

    func testDataDependentMismatchIsPositionedAtTheLayer() throws {
        _ = try write("n.csv", (0..<30).map { "\($0 % 3),\($0 % 5),\($0 % 3)" }.joined(separator: "\n") + "\n")
        let spec = try write(
            "n.yaml",
            """
            data: {source: numeric_csv, path: n.csv}
            model:
              - {type: Dense, units: 8, activation: relu}
              - {type: Dense, units: 2}
            loss: {type: sparse_categorical_crossentropy, from_logits: true}
            verbosity: quiet
            """)
        XCTAssertThrowsError(try runner.train(spec)) { e in
            let s = "\(e)"
            XCTAssertTrue(
                s.contains("n.yaml:4:5")
                    && s.contains("dense_2 returns 2 values per example but the data has 3 classes")
                    && s.contains("set units: 3 on dense_2"), s)
            XCTAssertFalse(s.contains("dense_2: dense_2"), s)  // the layer is named once
        }
        let missing = try write(
            "m.yaml",
            "data: {source: numeric_csv, path: nowhere.csv}\nmodel: [{type: Dense, units: 2}]\nloss: mean_squared_error\n"
        )
        XCTAssertThrowsError(try runner.train(missing)) { e in
            XCTAssertTrue("\(e)".contains("nowhere.csv: no such file"), "\(e)")
        }
    }

    /// Sizes no machine could hold are spec errors at the field's layer or key, not failed allocations.
    func testImpossibleSizesArePositionedErrors() throws {
        _ = try write("hello.txt", "hello")
        func hello(units: String, batch: Int = 1) throws -> URL {
            try write(
                "big.yaml",
                """
                data: {source: characters, path: hello.txt}
                windows: {length: 4, stride: 1}
                model:
                  - {type: OneHot}
                  - {type: SimpleRNN, units: \(units), return_sequences: true}
                  - {type: Dense, units: 4}
                loss: {type: sparse_categorical_crossentropy, from_logits: true}
                batch_size: \(batch)
                verbosity: quiet
                output: out
                """)
        }
        XCTAssertThrowsError(try runner.train(try hello(units: "1000000000000"))) { e in
            let s = "\(e)"
            XCTAssertTrue(
                s.contains("big.yaml:5:30")
                    && s.contains(
                        "simple_rnn_1: 'units' 1000000000000 cannot be trained here: a parameter of shape "
                            + "[1000000000000, 1000000000000] is too large"),
                s)
            XCTAssertFalse(s.contains("simple_rnn_1: simple_rnn_1"), s)
        }
        // Parameters that fit (two 8 × 10⁶ matrices) but 100 windows × 1,000 steps × 10⁶ outputs do not.
        _ = try write("long.txt", String(repeating: "hello world ", count: 100))
        let wide = try write(
            "wide.yaml",
            """
            data: {source: characters, path: long.txt}
            windows: {length: 1000, stride: 1, limit: 100}
            model:
              - {type: Embedding, output_dim: 1000000}
              - {type: Dense, units: 8}
            loss: {type: sparse_categorical_crossentropy, from_logits: true}
            batch_size: 100
            verbosity: quiet
            output: out
            """)
        XCTAssertThrowsError(try runner.train(wide)) { e in
            let s = "\(e)"
            XCTAssertTrue(
                s.contains("wide.yaml:4:5") && s.contains("training needs about")
                    && s.contains("embedding_1, with output [80, 1000, 1000000]")
                    && s.contains("lower batch_size"), s)
        }
        // Outputs that fit (240 rows padded to 10⁶ steps: the embedding's [32, 10⁶, 50] is 12.8 GB
        // with gradients) but the GRU's per-step gates and states (10⁶ × 100 × 8 per row) do not:
        // the check counts the recurrent layers' working buffers.
        _ = try write(
            "rows.tsv",
            "text\tlabel\n"
                + (0..<240).map { "w\($0 % 9) w\($0 % 4)\t\($0 % 2 == 0 ? "pos" : "neg")" }.joined(separator: "\n")
                + "\n")
        let long = try write(
            "long.yaml",
            """
            data: {source: delimited, path: rows.tsv, text_column: text, label_column: label}
            text: {sequence_length: 1000000}
            model:
              - {type: Embedding, output_dim: 50, mask_zero: true}
              - {type: GRU, units: 100}
              - {type: Dense, units: 2, activation: softmax}
            loss: sparse_categorical_crossentropy
            verbosity: quiet
            output: out
            """)
        XCTAssertThrowsError(try runner.train(long)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("long.yaml:5:5") && s.contains("gru_1, with output [32, 100], needs most"), s)
        }
        _ = try write("tags.tsv", (0..<20).map { "w\($0 % 7)\tN\nw\($0 % 3)\tV\n" }.joined(separator: "\n"))
        let tagged = try write(
            "tags.yaml",
            """
            data: {source: tagging, path: tags.tsv}
            text: {sequence_length: 1000000000000}
            model:
              - {type: Embedding, output_dim: 4, mask_zero: true}
              - {type: LSTM, units: 4, return_sequences: true}
              - {type: Dense, units: 3, activation: softmax}
            loss: sparse_categorical_crossentropy
            verbosity: quiet
            output: out
            """)
        XCTAssertThrowsError(try runner.train(tagged)) { e in
            let s = "\(e)"
            XCTAssertTrue(
                s.contains("tags.yaml:2:") && s.contains("padded sequences") && s.contains("lower the sequence length"),
                s)
        }
    }

    /// `vocabulary_ranking: chi2` keeps the words that separate the classes, and sees only the rows
    /// that train: a token found only in a validation row stays out of the vocabulary.
    func testLabelAwareVocabularyRankingUsesOnlyTrainingRows() throws {
        var rows = ["split\tlabel\ttext"]
        let good = ["great", "wonderful", "moving", "superb", "fun"]
        let bad = ["dull", "awful", "boring", "tedious", "flat"]
        for i in 0..<120 {
            let pos = i % 2 == 0
            rows.append(
                "\(i % 5 == 0 ? "test" : "train")\t\(pos ? "pos" : "neg")\tThe film was \((pos ? good : bad)[(i / 10) % 5]) and id\(i)"
            )
        }
        _ = try write("reviews.tsv", rows.joined(separator: "\n") + "\n")
        func prepared(_ ranking: String, maxTokens: Int?) throws -> PreparedData {
            let spec = try write(
                "r.yaml",
                """
                data: {source: delimited, path: reviews.tsv, split_column: split}
                text: {steps: [lowercase], sequence_length: 6, vocabulary_ranking: \(ranking)\(maxTokens.map { ", max_tokens: \($0)" } ?? "")}
                model: [{type: Embedding, output_dim: 4}, {type: GRU, units: 4}, {type: Dense, units: 1, activation: sigmoid}]
                loss: binary_crossentropy
                split: {validation: 0.25}
                """)
            return try SpecLoader(registry: registry).load(spec).prepareData()
        }
        // Ten kept tokens: by frequency "the film was and" come first; by χ² the ten sentiment words.
        XCTAssertEqual(
            Array(try prepared("frequency", maxTokens: 12).pipeline!.vocabulary.tokens[2..<6]),
            ["the", "film", "was", "and"])
        XCTAssertEqual(
            Set(try prepared("chi2", maxTokens: 12).pipeline!.vocabulary.tokens.dropFirst(2)), Set(good + bad))
        // Without a cap every training row's own id token is known; the 24 validation rows (the last
        // ones) end in [UNK]. Frequency ranking may look at all 96 rows: no label is involved.
        for (ranking, validationKnown) in [("chi2", false), ("log_ratio", false), ("frequency", true)] {
            let x = try prepared(ranking, maxTokens: nil).xTrain
            XCTAssertEqual(x.shape, [96, 6])
            let last = (0..<96).map { x.scalars[$0 * 6 + 5] }
            XCTAssertFalse(last[0..<72].contains(1), ranking)
            XCTAssertEqual(last[72...].allSatisfy { $0 != 1 }, validationKnown, ranking)
            XCTAssertEqual(last[72...].allSatisfy { $0 == 1 }, !validationKnown, ranking)
        }
    }
}
