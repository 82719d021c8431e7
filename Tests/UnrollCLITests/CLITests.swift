import Foundation
import XCTest

/// The `unroll` executable as a user meets it: exit codes and one-line errors on standard error.
final class CLITests: XCTestCase {
    func run(_ args: [String], stdin: String? = nil) throws -> (code: Int32, out: String, err: String) {
        try runUnroll(args, stdin: stdin)
    }

    func temp(_ name: String, _ text: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let u = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: u)
        return u
    }

    /// `train --set` changes the spec before validation and the bundle's spec.yaml says so;
    /// `evaluate --json` prints the test report as one JSON object.
    func testTrainWithSetAndEvaluateAsJSON() throws {
        let rows = (0..<200).map { i -> String in
            let (a, b) = (Float(i % 20) / 10 - 1, Float(i / 20) / 5 - 1)
            return "\(a),\(b),\(2 * a - b)"
        }
        let spec = try temp(
            "r.yaml",
            """
            data: {source: numeric_csv, path: r.csv}
            task: regression
            model: [{type: Dense, units: 1}]
            loss: mse
            optimizer: {type: adam, learning_rate: 0.001}
            epochs: 1
            verbosity: quiet
            output: out
            """)
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(
            to: spec.deletingLastPathComponent().appendingPathComponent("r.csv"))
        let bad = try run(["train", spec.path, "--set", "epochs=many"])
        XCTAssertEqual(bad.code, 1)
        XCTAssertTrue(bad.err.contains("r.yaml:6:9: 'epochs' must be an integer"), bad.err)
        let r = try run(["train", spec.path, "--set", "epochs=60", "--set", "optimizer.learning_rate=0.05"])
        XCTAssertEqual(r.code, 0, r.err)
        let bundle = spec.deletingLastPathComponent().appendingPathComponent("out")
        let written = try String(contentsOf: bundle.appendingPathComponent("spec.yaml"), encoding: .utf8)
        XCTAssertTrue(written.hasSuffix("# trained with: --set epochs=60 --set optimizer.learning_rate=0.05\n"))
        let e = try run(["evaluate", bundle.path, "--json"])
        XCTAssertEqual(e.code, 0, e.err)
        let object = try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as! [String: Any]
        XCTAssertLessThan(object["mae"] as! Double, 0.05)  // 60 epochs at 0.05 learn the plane
        XCTAssertEqual(object["classes"] as? [String], ["value"])
        // evaluate BUNDLE SPEC --set: the spec's values changed before its data is read (here
        // another plane, which the model does not know); --set without a SPEC is a usage error.
        let other = (0..<200).map { i -> String in
            let (a, b) = (Float(i % 20) / 10 - 1, Float(i / 20) / 5 - 1)
            return "\(a),\(b),\(3 - 2 * a + b)"
        }
        try Data((other.joined(separator: "\n") + "\n").utf8).write(
            to: spec.deletingLastPathComponent().appendingPathComponent("other.csv"))
        let same = try run(["evaluate", bundle.path, spec.path, "--json"])
        let shifted = try run(["evaluate", bundle.path, spec.path, "--set", "data.path=other.csv", "--json"])
        XCTAssertEqual(shifted.code, 0, shifted.err)
        let sameMAE = try JSONSerialization.jsonObject(with: Data(same.out.utf8)) as! [String: Any]
        XCTAssertLessThan(sameMAE["mae"] as! Double, 0.05)
        let shiftedMAE = try JSONSerialization.jsonObject(with: Data(shifted.out.utf8)) as! [String: Any]
        XCTAssertGreaterThan(shiftedMAE["mae"] as! Double, 1)
        let noSpec = try run(["evaluate", bundle.path, "--set", "data.path=other.csv"])
        XCTAssertEqual(noSpec.code, 64, noSpec.err)
        XCTAssertTrue(noSpec.err.contains("--set changes the values of a SPEC argument, and none is given"), noSpec.err)
        // A regression has nothing a teacher could decode for a student: distill says so in one line.
        let distill = try run(["distill", bundle.path, spec.path, "--output", bundle.path + "/t.tsv"])
        XCTAssertEqual(distill.code, 1)
        XCTAssertTrue(
            distill.err.contains("task regression cannot learn from a teacher's decodings: it has nothing to distill"),
            distill.err)
        // --output: a folder relative to where the command runs; the start line says what trains.
        let folder = spec.deletingLastPathComponent()
        let moved = try runUnroll(
            ["train", "r.yaml", "--output", "elsewhere", "--set", "verbosity=epochs"], in: folder)
        XCTAssertEqual(moved.code, 0, moved.err)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("elsewhere/model.json").path))
        XCTAssertTrue(
            moved.out.contains("training: adam at learning rate 0.001, batch 32, 1 epoch; 160 examples train"),
            moved.out)

        // --quiet prints nothing; the report is in the bundle.
        let quiet = try runUnroll(["train", "r.yaml", "--output", "silent", "--quiet"], in: folder)
        XCTAssertEqual(quiet.code, 0, quiet.err)
        XCTAssertEqual(quiet.out, "")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("silent/metrics.json").path))
        // The bar goes through the same buffered standard output as the other lines: into a pipe,
        // it comes after the start line and before the report (it used to overtake them).
        let log = try runUnroll(
            ["train", "r.yaml", "--output", "logged", "--set", "epochs=2", "--set", "verbosity=bar"], in: folder)
        XCTAssertEqual(log.code, 0, log.err)
        let order = ["training:", "Epoch 1/2", "[=", "Epoch 2/2", "test loss"].map { key in
            log.out.range(of: key).map { log.out.distance(from: log.out.startIndex, to: $0.lowerBound) } ?? -1
        }
        XCTAssertFalse(order.contains(-1), log.out)
        XCTAssertEqual(order, order.sorted(), log.out)
        XCTAssertTrue(log.out.contains("\u{1B}[K"), "each redraw erases the rest of the line")
    }

    /// `--json` on validate and layers: one object a program can read; validate still exits 1.
    func testValidateAndLayersSpeakJSON() throws {
        let bad = try temp("bad.yaml", "data: {source: numeric_csv, path: x.csv}\nmodel: [{type: Dens}]\nloss: mse\n")
        let r = try run(["validate", bad.path, "--json"])
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.err, "")
        let object = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        XCTAssertEqual(object["ok"] as? Bool, false)
        let issue = (object["issues"] as! [[String: Any]])[0]
        XCTAssertEqual(issue["line"] as? Int, 2)
        XCTAssertTrue((issue["message"] as! String).contains("unknown layer 'Dens'"), "\(issue)")
        let layers = try run(["layers", "--kind", "task", "--json"])
        XCTAssertEqual(layers.code, 0, layers.err)
        let tasks = (try JSONSerialization.jsonObject(with: Data(layers.out.utf8)) as! [String: [[String: Any]]])[
            "task"]!
        XCTAssertTrue(tasks.contains { $0["name"] as? String == "forecasting" })
    }

    func testValidateSucceedsOrReportsEveryProblemWithPositions() throws {
        let good = try temp(
            "good.yaml",
            "data: {source: numeric_csv, path: x.csv}\nmodel: [{type: Dense, units: 3}]\nloss: mean_squared_error\n")
        // The data file must exist (validate reads none of it).
        let missing = try run(["validate", good.path])
        XCTAssertEqual(missing.code, 1)
        XCTAssertTrue(missing.err.contains("\(good.path):1:35: no such file: "), missing.err)  // at x.csv
        try Data("1,2\n".utf8).write(to: good.deletingLastPathComponent().appendingPathComponent("x.csv"))
        let ok = try run(["validate", good.path])
        XCTAssertEqual(ok.code, 0, ok.err)
        XCTAssertTrue(ok.out.contains("OK"))
        // --set as train takes it: the changed value is checked, at the line of the value it replaced.
        let set = try run(["validate", good.path, "--set", "model.0.units=0"])
        XCTAssertEqual(set.code, 1)
        XCTAssertTrue(set.err.contains("\(good.path):2:"), set.err)
        XCTAssertEqual(try run(["validate", good.path, "--set", "model.0.units=5"]).code, 0)
        let bad = try temp(
            "bad.yaml",
            "data: {source: numeric_csv, path: x.csv}\nmodel: [{type: Dense, unit: 3}]\nloss: mean_squared_eror\nepoch: 2\n"
        )
        let r = try run(["validate", bad.path])
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.out, "")
        let lines = r.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, r.err)
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("error: \(bad.path):") }, r.err)
        XCTAssertTrue(
            r.err.contains("\(bad.path):2:23: dense_1: unknown field 'unit' for Dense; did you mean 'units'?"), r.err)
        XCTAssertTrue(r.err.contains("did you mean 'mean_squared_error'?"), r.err)
    }

    func testUserMistakesExitNonZeroWithOneLine() throws {
        let usage = try run(["bogus"])
        XCTAssertNotEqual(usage.code, 0)
        XCTAssertTrue(usage.err.contains("unknown command 'bogus'; commands: train, evaluate"), usage.err)
        let missing = try run(["train", "/nonexistent/spec.yaml"])
        XCTAssertEqual(missing.code, 1)
        XCTAssertEqual(missing.err, "error: /nonexistent/spec.yaml:1:1: cannot read the spec file\n")
        let notBundle = try run(["predict", "/tmp", "hello"])
        XCTAssertEqual(notBundle.code, 1)
        XCTAssertTrue(notBundle.err.hasPrefix("error: /tmp/model.json: not a model bundle"), notBundle.err)
        let setting = try run(["predict", "/tmp", "hello", "--task", "beam_width"])
        XCTAssertEqual(setting.code, 1)
        XCTAssertTrue(
            setting.err.contains("--task:1:1: 'beam_width' is not key=value (e.g. beam_width=4)"), setting.err)
        let kind = try run(["layers", "--kind", "nope"])
        XCTAssertEqual(kind.code, 1)
        XCTAssertTrue(kind.err.contains("unknown kind 'nope'"), kind.err)
    }

    func testHelpPrintsUsageAndExitsZero() throws {
        for args in [["--help"], ["train", "--help"], ["help", "train"]] {
            let r = try run(args)
            XCTAssertEqual(r.code, 0, "\(args): \(r.err)")
            XCTAssertTrue(r.out.contains("USAGE: unroll"), "\(args): \(r.out)")
            XCTAssertEqual(r.err, "", "\(args)")
        }
        XCTAssertTrue(try run(["help", "train"]).out.contains("--epochs <epochs>"))
    }

    func testLayersListsPluginsWithFields() throws {
        let r = try run(["layers"])
        XCTAssertEqual(r.code, 0)
        XCTAssertTrue(r.out.contains("LSTM — Long short-term memory"))
        XCTAssertTrue(r.out.contains("units: int, required — hidden size"))
        let all = try run(["layers", "--kind", "all"])
        for kind in ["losses:", "optimizers:", "dataset_sources:", "cleaning_steps:"] {
            XCTAssertTrue(all.out.contains(kind), kind)
        }
    }

    /// `--threads 0`, `-1` or `2^63`, and `trace --steps=-1`, trapped or started absurd thread
    /// counts: each is a one-line usage error now, before any file is read.
    func testNumericOptionsOutOfRangeAreUsageErrors() throws {
        for value in ["0", "-1", "9223372036854775807", "1025"] {
            let r = try run(["train", "/nonexistent.yaml", "--threads=\(value)"])
            XCTAssertNotEqual(r.code, 0)
            XCTAssertTrue(r.err.contains("--threads must be in 1…1024, got \(value)"), "\(value): \(r.err)")
        }
        let steps = try run(["trace", "/nonexistent.yaml", "--input", "hell", "--steps=-1"])
        XCTAssertNotEqual(steps.code, 0)
        XCTAssertTrue(steps.err.contains("--steps must be ≥ 0, got -1"), steps.err)
    }

    /// `unroll tarin` says which command was meant; `--version` prints one; `unroll layers` no
    /// longer names an optimizer (AdamW) that the registry refuses.
    func testUnknownCommandsVersionAndOptimizerNames() throws {
        let typo = try run(["tarin", "spec.yaml"])
        XCTAssertEqual(typo.code, 64)
        XCTAssertTrue(typo.err.contains("unknown command 'tarin' (did you mean 'train'?)"), typo.err)
        let version = try run(["--version"])
        XCTAssertEqual(version.code, 0)
        XCTAssertTrue(
            version.out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3, version.out)
        let optimizers = try run(["layers", "--kind", "optimizer"])
        XCTAssertFalse(optimizers.out.contains("AdamW /") || optimizers.out.contains("/ AdamW"), optimizers.out)
        XCTAssertTrue(optimizers.out.contains("adam — Adam (amsgrad: true for AMSGrad"), optimizers.out)
    }

    /// The README's tour quotes `unroll validate Examples/bad.yaml`: the file exists and gives
    /// exactly those errors.
    func testTheReadmesBadSpecGivesTheQuotedErrors() throws {
        let bad = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Examples/bad.yaml"
        ).standardizedFileURL
        let r = try run(["validate", bad.path])
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(
            r.err.contains("bad.yaml:11:5: lstm_2 cannot take [batch, 64] from lstm_1: ")
                && r.err.contains("; set return_sequences: true on lstm_1"), r.err)
        XCTAssertTrue(r.err.contains("bad.yaml:14:1: unknown key 'epoch' in top level; did you mean 'epochs'?"), r.err)
        let readme = try String(
            contentsOf: bad.deletingLastPathComponent().appendingPathComponent("../README.md").standardizedFileURL,
            encoding: .utf8)
        XCTAssertTrue(
            readme.contains("Examples/bad.yaml:11:5: lstm_2 cannot take [batch, 64] from lstm_1")
                && readme.contains("Examples/bad.yaml:14:1: unknown key 'epoch'"))
    }
}
