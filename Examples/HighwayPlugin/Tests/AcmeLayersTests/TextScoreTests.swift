import AcmeLayers
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

/// The plugin's task and metric, with its layer and cleaning step, from one spec: trained,
/// reported, saved, reloaded and predicted with Unroll's own runner — and refused by an Unroll
/// without the plugin, by name.
final class TextScoreTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("acme-score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// `scores.tsv` — the score is (happy faces − sad faces), the words around them are noise —
    /// and `score.yaml`, a graph through the plugin's step, layer, task and metric.
    func writeSpec(epochs: Int = 60, verbosity: String = "quiet", extra: String = "") throws -> URL {
        var rng = SeededGenerator(seed: 5)
        var rows = ["text\tlabel"]
        for _ in 0..<300 {
            let happy = Int(rng.nextUnitFloat() * 3)
            let sad = Int(rng.nextUnitFloat() * 3)
            let words = ["the", "film", "was", "plot"].shuffled(using: &rng).prefix(2)
            let tokens = (Array(repeating: ":)", count: happy) + Array(repeating: "🙁", count: sad) + words)
                .shuffled(using: &rng)
            rows.append("\(tokens.joined(separator: " "))\t\(happy - sad)")
        }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("scores.tsv"))
        let spec = dir.appendingPathComponent("score.yaml")
        try Data(
            """
            seed: 3
            data: {source: delimited, path: scores.tsv}
            task: acme.text_score
            text: {steps: [acme.emoji_words, lowercase, collapse_whitespace], sequence_length: 8}
            graph:
              nodes:
                - {name: emb, type: Embedding, output_dim: 8, mask_zero: true}
                - {name: sum, type: GlobalAveragePooling1D}
                - {name: hw, type: acme.Highway}
                - {name: out, type: Dense, units: 1}
            loss: mse
            optimizer: {type: adam, learning_rate: 0.02}
            metrics: [mae, acme.within_half]
            epochs: \(epochs)
            verbosity: \(verbosity)
            output: bundle
            \(extra)
            """.utf8
        ).write(to: spec)
        return spec
    }

    func testATextScoreModelLearnsCountsOfFaces() throws {
        let spec = try writeSpec()
        let registry = try Builtins.registry(plugins: [AcmeLayers.self])
        var logged: [String] = []
        var runner = Runner(registry: registry)
        runner.log = { logged.append($0) }
        let r = try runner.train(spec)
        XCTAssertNil(r.test!.confusion)
        XCTAssertGreaterThanOrEqual(r.test!.metrics["acme.within_half"]!, 0.95)
        XCTAssertLessThan(r.test!.metrics["mae"]!, 0.3)
        XCTAssertNotNil(r.history.epochs.last?.values["acme.within_half"])
        XCTAssertTrue(logged.contains { $0.contains("one score each") }, "\(logged)")
        let p = try runner.predict(bundle: r.bundle, texts: [":) :) the film", "🙁 plot :( was", "the film"])
        XCTAssertEqual(p.map { ($0.value! as Double).rounded() }, [2, -2, 0])
        XCTAssertThrowsError(try ModelBundle.load(r.bundle, registry: try Builtins.registry())) { e in
            XCTAssertTrue("\(e)".contains("acme."), "\(e)")
        }
    }

    /// The plugin callback stops training once the validation share within 0.5 reaches 0.9, says
    /// so, and the run ends there with its bundle.
    func testThePluginCallbackStopsAtItsTarget() throws {
        let spec = try writeSpec(
            epochs: 200, verbosity: "epochs",
            extra:
                "split: {validation: 0.2}\ncallbacks: [{type: acme.stop_at_target, monitor: val_acme.within_half, target: 0.9}]"
        )
        var logged: [String] = []
        var runner = Runner(registry: try Builtins.registry(plugins: [AcmeLayers.self]))
        runner.log = { logged.append($0) }
        let r = try runner.train(spec)
        let last = try XCTUnwrap(r.history.epochs.last)
        XCTAssertLessThan(last.epoch, 200, "stopped early")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(last.values["val_acme.within_half"]), 0.9)
        XCTAssertLessThan(
            try XCTUnwrap(r.history.epochs.dropLast().last?.values["val_acme.within_half"]), 0.9,
            "and not an epoch later than the target")
        XCTAssertTrue(logged.contains { $0.contains("acme.stop_at_target: val_acme.within_half reached") }, "\(logged)")
        // A monitor that is never logged is an error naming what was.
        let wrong = try writeSpec(
            epochs: 2, extra: "callbacks: [{type: acme.stop_at_target, monitor: val_nothing, target: 1}]")
        XCTAssertThrowsError(try runner.train(wrong, overwrite: true)) { e in
            XCTAssertTrue("\(e)".contains("monitors 'val_nothing'"), "\(e)")
        }
    }

    /// The plugin's own command line trains and predicts with all four plugins.
    func testUnrollAcmeTrainsAndPredictsEndToEnd() throws {
        let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/unroll-acme")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            return XCTFail(
                "\(binary.path) is not built: swift build --build-tests --package-path Examples/HighwayPlugin")
        }
        func run(_ args: [String]) throws -> (status: Int32, output: String) {
            let p = Process()
            p.executableURL = binary
            p.arguments = args
            p.currentDirectoryURL = dir
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            let out = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: out, as: UTF8.self))
        }
        let spec = try writeSpec()
        let train = try run(["train", spec.path])
        XCTAssertEqual(train.status, 0, train.output)
        XCTAssertTrue(train.output.contains("acme.within_half: "), train.output)
        let predict = try run(["predict", dir.appendingPathComponent("bundle").path, ":) :) the film", "the plot"])
        XCTAssertEqual(predict.status, 0, predict.output)
        let values = predict.output.split(separator: "\n").map { Double($0.split(separator: "\t")[0])! }
        XCTAssertEqual(values.map { $0.rounded() }, [2, 0], predict.output)
        let tasks = try run(["layers", "--kind", "task"])
        XCTAssertTrue(tasks.output.contains("acme.text_score — texts labelled with a number"), tasks.output)
    }
}
