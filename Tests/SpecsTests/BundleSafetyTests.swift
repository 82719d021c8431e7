import Foundation
import Layers
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

/// Issue "Reliability", items 2, 3 and 6: bundles are written whole with a manifest every reader
/// checks, are self-contained, and a run writes only where it may.
final class BundleSafetyTests: RunnerTestCase {
    /// A small text classifier: "good"/"bad" words, 40 rows, a few epochs.
    func textSpec(_ name: String = "t", units: Int = 4, seed: Int = 1, output: String = "out", extra: String = "")
        throws -> URL
    {
        _ = try write(
            "t.tsv",
            "text\tlabel\n"
                + (0..<40).map { i in i % 2 == 0 ? "good fine nice \(i % 5)\tpos" : "bad dull awful \(i % 3)\tneg" }
                .joined(separator: "\n") + "\n")
        return try write(
            "\(name).yaml",
            """
            name: \(name)
            seed: \(seed)
            data: {source: delimited, path: t.tsv, text_column: text, label_column: label}
            text: {sequence_length: 5}
            model:
              - {type: Embedding, output_dim: 4, mask_zero: true}
              - {type: GRU, units: \(units)}
              - {type: Dense, units: 2, activation: softmax}
            loss: sparse_categorical_crossentropy
            optimizer: {type: adam, learning_rate: 0.05}
            epochs: 3
            verbosity: quiet
            output: \(output)
            \(extra)
            """)
    }

    func testBundleIsPublishedWholeWithAManifestEveryFileMatches() throws {
        let r = try runner.train(try textSpec())
        let manifest = try XCTUnwrap(try BundleManifest.read(in: r.bundle))
        for f in [
            "model.json", "weights.safetensors", "optimizer.safetensors", "pipeline.json", "vocabulary.txt",
            "spec.yaml",
            "test.safetensors", "history.csv", "history.json", "metrics.json",
        ] {
            let data = try Data(contentsOf: r.bundle.appendingPathComponent(f))
            XCTAssertEqual(manifest.files[f], BundleManifest.Entry(bytes: data.count, sha256: SHA256.hex(data)), f)
        }
        XCTAssertNil(manifest.files["loss.svg"], "derived plots are not listed")
        let left = try fm.contentsOfDirectory(atPath: dir.path)
        XCTAssertFalse(left.contains { $0.hasPrefix(".out") }, "staging folder left behind: \(left)")
        XCTAssertFalse(try fm.contentsOfDirectory(atPath: r.bundle.path).contains { $0.contains(".tmp-") })
        // The model description names no path outside the bundle.
        let modelJSON = try String(contentsOf: r.bundle.appendingPathComponent("model.json"), encoding: .utf8)
        XCTAssertFalse(modelJSON.contains(dir.path), modelJSON)
    }

    /// `ema:` reaches training: the raw weights follow the same path (equal training losses), the
    /// bundle holds the average (other validation figures) and its optimizer state the averages' slots.
    func testEMASpecKeyAveragesTheSavedWeights() throws {
        let split = "split: {validation: 0.25}"
        let plain = try runner.train(try textSpec("p", output: "p", extra: split))
        let averaged = try runner.train(try textSpec("a", output: "a", extra: split + "\nema: {momentum: 0.9}"))
        XCTAssertEqual(
            averaged.history.epochs.map { $0.values["loss"] }, plain.history.epochs.map { $0.values["loss"] })
        XCTAssertNotEqual(
            averaged.history.epochs.map { $0.values["val_loss"] }, plain.history.epochs.map { $0.values["val_loss"] })
        let slots = try String(
            decoding: Data(contentsOf: averaged.bundle.appendingPathComponent("optimizer.safetensors")).prefix(4096),
            as: UTF8.self)
        XCTAssertTrue(slots.contains("gru_1.kernel.average"), "the optimizer file keeps the raw weights")
    }

    /// A bundle mixed from two runs (new `model.json`, old weights; new weights, old pipeline) is
    /// refused with the file named, as is an edited `vocabulary.txt`.
    func testMixedOrEditedBundleIsRefused() throws {
        let a = try runner.train(try textSpec("a", units: 4, output: "a")).bundle
        let b = try runner.train(try textSpec("b", units: 8, seed: 2, output: "b")).bundle
        for file in ["model.json", "weights.safetensors", "pipeline.json", "vocabulary.txt"] {
            let copy = dir.appendingPathComponent("mixed-\(file)")
            try fm.copyItem(at: a, to: copy)
            let target = copy.appendingPathComponent(file)
            try fm.removeItem(at: target)
            if file == "vocabulary.txt" {
                try Data("\n[UNK]\ngood\n".utf8).write(to: target)
            } else {
                try fm.copyItem(at: b.appendingPathComponent(file), to: target)
            }
            XCTAssertThrowsError(try ModelBundle.load(copy, registry: registry), file) { e in
                XCTAssertTrue("\(e)".contains(target.path) && "\(e)".contains("manifest.json"), "\(e)")
            }
            // Without the manifest the vocabulary file is still checked against the pipeline.
            if file == "vocabulary.txt" {
                try fm.removeItem(at: copy.appendingPathComponent(BundleManifest.fileName))
                XCTAssertThrowsError(try ModelBundle.load(copy, registry: registry)) { e in
                    XCTAssertTrue("\(e)".contains("does not match the vocabulary in pipeline.json"), "\(e)")
                }
            }
        }
        XCTAssertNoThrow(try ModelBundle.load(a, registry: registry))
    }

    /// Replacing a bundle needs `overwrite`; without it the old bundle is untouched.
    func testRetrainingIntoABundleNeedsOverwrite() throws {
        let spec = try textSpec()
        let first = try runner.train(spec).bundle
        let weights = try Data(contentsOf: first.appendingPathComponent("weights.safetensors"))
        XCTAssertThrowsError(try runner.train(try textSpec(seed: 9))) { e in
            XCTAssertTrue("\(e)".contains("holds a trained bundle; add --overwrite"), "\(e)")
        }
        XCTAssertEqual(try Data(contentsOf: first.appendingPathComponent("weights.safetensors")), weights)
        let second = try runner.train(try textSpec(seed: 9), overwrite: true).bundle
        XCTAssertNotEqual(try Data(contentsOf: second.appendingPathComponent("weights.safetensors")), weights)
        XCTAssertNoThrow(try ModelBundle.load(second, registry: registry))
    }

    /// `output: /`, a folder that is not a bundle, and a file are refused before anything is
    /// written, and what was there stays.
    func testOutputMustBeNewEmptyOrABundle() throws {
        let notes = try write("mine/important.txt", "keep")
        for (output, needle) in [
            ("/", "not a folder a bundle can be written to"), ("mine", "is not an Unroll bundle"),
            ("mine/important.txt", "is not a folder"),
        ] {
            XCTAssertThrowsError(try runner.train(try textSpec(output: output), overwrite: true), output) { e in
                XCTAssertTrue("\(e)".contains(needle), "\(output): \(e)")
            }
        }
        XCTAssertEqual(try String(contentsOf: notes, encoding: .utf8), "keep")
        try fm.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        XCTAssertNoThrow(try runner.train(try textSpec(output: "empty")))
    }

    /// A run that did not finish leaves checkpoints in its staging folder: a new run without
    /// `resume` or `overwrite` refuses to throw them away; `resume` continues from them.
    func testUnfinishedRunsCheckpointsAreNeverDiscardedSilently() throws {
        let spec = try textSpec(extra: "callbacks: [{type: model_checkpoint}]")
        let done = try runner.train(spec).bundle
        // Simulate a first run killed after epoch 3: no bundle yet, its staging folder holds checkpoints.
        let staging = dir.appendingPathComponent(".out.unroll-run")
        func killed() throws {
            try? fm.removeItem(at: staging)
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            try fm.copyItem(
                at: done.appendingPathComponent("checkpoints"), to: staging.appendingPathComponent("checkpoints"))
        }
        try killed()
        try fm.moveItem(at: done, to: dir.appendingPathComponent("kept"))
        XCTAssertThrowsError(try runner.train(spec)) { e in
            XCTAssertTrue(
                "\(e)".contains("did not finish left resumable checkpoints") && "\(e)".contains("--resume"), "\(e)")
        }
        XCTAssertTrue(fm.fileExists(atPath: staging.appendingPathComponent("checkpoints/latest.json").path))
        let resumed = try runner.train(spec, epochsOverride: 5, resume: true)
        XCTAssertEqual(resumed.history.epochs.map(\.epoch), [1, 2, 3, 4, 5])
        XCTAssertFalse(fm.fileExists(atPath: staging.path))
        XCTAssertTrue(fm.fileExists(atPath: resumed.bundle.appendingPathComponent("checkpoints/epoch-0005").path))
        try killed()
        let fresh = try runner.train(spec, overwrite: true)
        XCTAssertEqual(fresh.history.epochs.map(\.epoch), [1, 2, 3])
        XCTAssertFalse(fm.fileExists(atPath: staging.path))
    }

    /// `evaluate BUNDLE` scores the test split stored in the bundle: editing the spec afterwards
    /// (its seed picks other test rows) or moving the bundle changes nothing.
    func testEvaluateUsesTheBundleNotTheSpecAndTheBundleMoves() throws {
        let spec = try textSpec(seed: 1)
        let r = try runner.train(spec)
        _ = try textSpec(seed: 2)  // the user edits the spec
        let moved = dir.appendingPathComponent("elsewhere/bundle")
        try fm.createDirectory(at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.moveItem(at: r.bundle, to: moved)
        let e = try runner.evaluate(bundle: moved)
        XCTAssertEqual(e.loss, r.test!.loss, accuracy: 1e-6)
        XCTAssertEqual(e.confusion?.counts, r.test!.confusion?.counts)
    }

    /// Another spec's data is encoded with the bundle's alphabet, not a refitted one; a symbol
    /// the bundle lacks is an error naming it.
    func testOtherSpecsDataIsEncodedTheBundlesWay() throws {
        _ = try write("c.txt", "ellollolle")
        let spec = try SpecLoader(registry: registry).load(
            try write(
                "c.yaml",
                """
                data: {source: characters, path: c.txt}
                windows: {length: 3, stride: 1}
                split: {test: 0.5}
                model: [{type: OneHot}, {type: SimpleRNN, units: 4, return_sequences: true}, {type: Dense, units: 4}]
                loss: {type: sparse_categorical_crossentropy, from_logits: true}
                """))
        let bundleAlphabet = ["e", "h", "l", "o"]
        let fixed = try spec.prepareData(
            fixed: FixedEncoding(
                classes: bundleAlphabet, pipeline: nil, loss: SparseCategoricalCrossEntropy(fromLogits: true)))
        XCTAssertEqual(fixed.classNames, bundleAlphabet)
        let own = try spec.prepareData()
        XCTAssertEqual(own.classNames, ["e", "l", "o"], "refitted, the ids would shift")
        let remap = own.classNames.map { Float(bundleAlphabet.firstIndex(of: $0)!) }
        XCTAssertEqual(fixed.xTest.scalars, own.xTest.scalars.map { remap[Int($0)] })
        _ = try write("c.txt", "elloxllo")
        XCTAssertThrowsError(
            try spec.prepareData(
                fixed: FixedEncoding(
                    classes: bundleAlphabet, pipeline: nil, loss: SparseCategoricalCrossEntropy(fromLogits: true)))
        ) { e in
            XCTAssertTrue("\(e)".contains("'x' is not in the model's alphabet") && "\(e)".contains("c.yaml:1:"), "\(e)")
        }
    }

    /// A test folder holding only some classes: its labels are the training classes' ids (every
    /// text was scored as `neg` before), and a class the training data lacks is an error.
    func testTextDirectoryTestClassesFollowTheTrainingClasses() throws {
        for i in 0..<6 {
            _ = try write("d/train/neg/\(i).txt", "bad dull \(i)")
            _ = try write("d/train/pos/\(i).txt", "good fine \(i)")
        }
        for i in 0..<3 { _ = try write("d/test/pos/\(i).txt", "good \(i)") }
        let yaml = """
            data: {source: text_directory, root: d}
            text: {sequence_length: 4}
            model: [{type: Embedding, output_dim: 2}, {type: GRU, units: 2}, {type: Dense, units: 2, activation: softmax}]
            loss: sparse_categorical_crossentropy
            """
        let spec = try SpecLoader(registry: registry).load(try write("d.yaml", yaml))
        let data = try spec.prepareData()
        XCTAssertEqual(data.classNames, ["neg", "pos"])
        XCTAssertEqual(data.yTest.scalars, [1, 1, 1])
        _ = try write("d/test/meh/0.txt", "so so")
        XCTAssertThrowsError(try spec.prepareData()) { e in
            XCTAssertTrue("\(e)".contains("'meh' is not one of the classes") && "\(e)".contains("d.yaml:1:"), "\(e)")
        }
    }

    /// `model.json` whose classes are duplicated, canonically equal, empty or too few, or whose
    /// input shape is negative, is an error naming the field — predict, evaluate, generate and
    /// trace trapped on these.
    func testDamagedModelDescriptionsAreRefused() throws {
        let r = try runner.train(try textSpec())
        let modelURL = r.bundle.appendingPathComponent("model.json")
        let good = try JSONSerialization.jsonObject(with: Data(contentsOf: modelURL)) as! [String: Any]
        // edits are what is tested here
        try fm.removeItem(at: r.bundle.appendingPathComponent(BundleManifest.fileName))
        let cases: [(String, Any, String)] = [
            ("classes", ["neg", "neg"], "appears twice"), ("classes", ["\u{E9}", "e\u{301}"], "appears twice"),
            ("classes", ["neg"], "1 names for a model with 2 outputs"), ("classes", [String](), "0 names"),
            ("classes", ["", "pos"], "entry 0 is empty"),
            ("input_shape", [-1], "must list positive sizes"),
        ]
        for (field, value, needle) in cases {
            var obj = good
            obj[field] = value
            try JSONSerialization.data(withJSONObject: obj).write(to: modelURL)
            for use in ["predict", "evaluate", "trace"] {
                XCTAssertThrowsError(
                    try {
                        switch use {
                        case "predict": _ = try runner.predict(bundle: r.bundle, texts: ["good"])
                        case "evaluate": _ = try runner.evaluate(bundle: r.bundle)
                        default: _ = try runner.trace(r.bundle, input: "good")
                        }
                    }(), "\(field) \(value) \(use)"
                ) { e in
                    XCTAssertTrue(
                        "\(e)".contains("model.json") && "\(e)".contains("'\(field)'") && "\(e)".contains(needle),
                        "\(e)")
                }
            }
        }
    }

    /// Numeric labels beyond Int (`1e30`, `-1e19`, `2^63`) trapped; a tagging file using the
    /// padding tag crashed with "Duplicate values for key".
    func testHugeNumericLabelsAndThePaddingTagAreHandled() throws {
        _ = try write(
            "n.csv",
            (0..<20).map { i in "\(i % 3),\(i % 2),\(["1e30", "-1e19", "9223372036854775808"][i % 3])" }.joined(
                separator: "\n") + "\n")
        let numeric = try SpecLoader(registry: registry).load(
            try write(
                "n.yaml",
                """
                data: {source: numeric_csv, path: n.csv}
                model: [{type: Dense, units: 3}]
                loss: {type: sparse_categorical_crossentropy, from_logits: true}
                """))
        let data = try numeric.prepareData()
        XCTAssertEqual(data.classNames, ["-1e+19", "9.223372e+18", "1e+30"])
        _ = try write("tags.tsv", "a\tN\nb\t<pad>\n\nc\tV\n")
        let tagged = try SpecLoader(registry: registry).load(
            try write(
                "tags.yaml",
                """
                data: {source: tagging, path: tags.tsv}
                text: {sequence_length: 3}
                model: [{type: Embedding, output_dim: 2, mask_zero: true}, {type: LSTM, units: 2, return_sequences: true}, {type: Dense, units: 3, activation: softmax}]
                loss: sparse_categorical_crossentropy
                """))
        XCTAssertThrowsError(try tagged.prepareData()) { e in
            XCTAssertTrue("\(e)".contains("'<pad>' is reserved for padding") && "\(e)".contains("tags.yaml:1:"), "\(e)")
        }
    }

    /// `model.json` edited to `units: 30000`: even `unroll summary` allocated 7.2 GB first. The
    /// weights file's size bounds the model, so it is refused before anything large is built
    /// (here `units: 3000`, which any machine could hold, but not the weights file); a size no
    /// machine could train is refused by the layer itself, also naming model.json.
    func testAModelLargerThanItsWeightsIsRefusedBeforeAllocating() throws {
        let r = try runner.train(try textSpec())
        try fm.removeItem(at: r.bundle.appendingPathComponent(BundleManifest.fileName))
        let url = r.bundle.appendingPathComponent("model.json")
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("\"units\" : 4"), text)
        try Data(text.replacingOccurrences(of: "\"units\" : 4", with: "\"units\" : 3000").utf8).write(to: url)
        XCTAssertThrowsError(try ModelBundle.load(r.bundle, registry: registry)) { e in
            // The budget refused the first parameter past the file's size: nothing large was allocated.
            XCTAssertTrue(
                "\(e)".contains("model.json") && "\(e)".contains("does not fit its weights") && "\(e)".contains("gru_1")
                    && "\(e)".contains("scalars but only"), "\(e)")
        }
        try Data(text.replacingOccurrences(of: "\"units\" : 4", with: "\"units\" : 3000000000").utf8).write(to: url)
        XCTAssertThrowsError(try ModelBundle.load(r.bundle, registry: registry)) { e in
            XCTAssertTrue(
                "\(e)".contains("model.json") && "\(e)".contains("field 'layers'")
                    && "\(e)".contains("gru_1: units: 3000000000 cannot be trained here"), "\(e)")
        }
    }

    /// `split: {test: 0}` trained every epoch and then died (`x has 0 examples but y has 0`),
    /// losing the run. It finishes without a test report and says so.
    func testAnEmptyTestSplitFinishesWithoutATestReport() throws {
        var said: [String] = []
        runner.log = { said.append($0) }
        let r = try runner.train(try textSpec(extra: "split: {test: 0}"))
        XCTAssertNil(r.test)
        XCTAssertTrue(said.contains { $0.contains("no test report: the test split is empty") }, "\(said)")
        XCTAssertFalse(fm.fileExists(atPath: r.bundle.appendingPathComponent(ModelBundle.testFile).path))
        XCTAssertNoThrow(try ModelBundle.load(r.bundle, registry: registry))
        XCTAssertThrowsError(try runner.evaluate(bundle: r.bundle)) { e in
            XCTAssertTrue(
                "\(e)".contains("holds no test split") && "\(e)".contains("unroll evaluate BUNDLE SPEC"), "\(e)")
        }
    }
}
