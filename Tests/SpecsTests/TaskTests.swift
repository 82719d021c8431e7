import Datasets
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

/// Tasks: chosen by the data's form or named by `task:`, each bringing its data encoding,
/// output check, metrics and `predict`.
final class TaskTests: RunnerTestCase {
    /// `y = 2·a − b + 0.5` on a seeded grid, as `features,target` rows.
    func writeLinear(_ name: String = "lin.csv", rows: Int = 400) throws -> URL {
        var rng = SeededGenerator(seed: 11)
        let lines = (0..<rows).map { _ -> String in
            let a = rng.nextUnitFloat() * 2 - 1
            let b = rng.nextUnitFloat() * 2 - 1
            return "\(a),\(b),\(2 * a - b + 0.5)"
        }
        return try write(name, lines.joined(separator: "\n") + "\n")
    }

    func regressionSpec(loss: String = "mse", task: String = "regression") -> String {
        """
        name: lin
        seed: 2
        data: {source: numeric_csv, path: lin.csv}
        task: \(task)
        model: [{type: Dense, units: 1}]
        loss: \(loss)
        optimizer: {type: adam, learning_rate: 0.05}
        batch_size: 16
        epochs: 40
        verbosity: quiet
        """
    }

    /// A linear target is learnt to a small error; the report, metrics.json, `evaluate` and
    /// `predict` all speak in values.
    func testRegressionLearnsALinearTargetAndPredictsValues() throws {
        _ = try writeLinear()
        let url = try write("lin.yaml", regressionSpec())
        var logged: [String] = []
        runner.log = { logged.append($0) }
        let r = try runner.train(url)
        XCTAssertNil(r.test!.confusion)
        let mae = try XCTUnwrap(r.test!.metrics["mae"])
        XCTAssertLessThan(mae, 0.02)
        XCTAssertEqual(r.test!.metrics["rmse"]!, r.test!.loss.squareRoot(), accuracy: 1e-4)  // mse is the loss
        XCTAssertTrue(logged.contains { $0.contains("test mae: ") && $0.contains("rmse: ") }, "\(logged)")
        XCTAssertTrue(logged.contains { $0.contains("one target value each") })
        let metrics =
            try JSONSerialization.jsonObject(with: Data(contentsOf: r.bundle.appendingPathComponent("metrics.json")))
            as! [String: [String: Any]]
        XCTAssertEqual(metrics["test"]!["mae"] as! Double, mae, accuracy: 1e-9)
        XCTAssertEqual(try runner.evaluate(bundle: r.bundle).metrics["mae"]!, mae, accuracy: 1e-6)
        let p = try runner.predict(bundle: r.bundle, texts: ["0.5,0.25", "", "-1,1"])
        XCTAssertEqual(p[0].value!, 1.25, accuracy: 0.05)
        XCTAssertEqual(p[1].label, "")
        XCTAssertEqual(p[2].value!, -2.5, accuracy: 0.1)
        XCTAssertEqual(Double(p[0].label)!, p[0].value!, accuracy: 1e-4)
    }

    /// Without `task:` the data's form decides; the bundle records the task.
    func testTheTaskIsInferredFromTheSourceAndRecorded() throws {
        _ = try writeLinear()
        let spec = try SpecLoader(registry: registry).load(
            try write(
                "c.yaml",
                regressionSpec(loss: "sparse_categorical_crossentropy").replacingOccurrences(
                    of: "task: regression\n", with: "")))
        XCTAssertEqual(spec.taskName, "numeric_classification")
        XCTAssertEqual(spec.metrics, ["accuracy"])
        let r = try SpecLoader(registry: registry).load(try write("r.yaml", regressionSpec()))
        XCTAssertEqual(r.taskName, "regression")
        XCTAssertEqual(r.metrics, ["mae", "rmse"])
        let tagged = try registry.defaultTask(for: .tagged)
        XCTAssertEqual(tagged.name, "sequence_tagging")
        XCTAssertThrowsError(try registry.defaultTask(for: DataForm("acme.audio"))) { e in
            XCTAssertTrue("\(e)".contains("no task reads acme.audio data"), "\(e)")
        }
    }

    /// A task that cannot read the source's data, or a loss the task cannot use, is an error at
    /// the key that says so.
    func testATaskOfTheWrongFormAndALossOfTheWrongKindArePositioned() throws {
        _ = try writeLinear()
        let url = try write("t.yaml", regressionSpec(task: "sequence_tagging"))
        XCTAssertThrowsError(try SpecLoader(registry: registry).load(url)) { e in
            let issue = (e as! SpecErrors).issues[0]
            XCTAssertEqual(issue.line, 4)
            XCTAssertTrue(issue.message.contains("task sequence_tagging cannot read numeric data"), issue.message)
            XCTAssertEqual(issue.hint, "for numeric data use task: numeric_classification")
        }
        let bad = try write("l.yaml", regressionSpec(loss: "sparse_categorical_crossentropy"))
        XCTAssertThrowsError(try runner.train(bad)) { e in
            XCTAssertTrue("\(e)".contains("l.yaml:6:"), "\(e)")
            XCTAssertTrue("\(e)".contains("regression predicts values"), "\(e)")
        }
        let unknown = try write("u.yaml", regressionSpec(task: "regresion"))
        XCTAssertThrowsError(try SpecLoader(registry: registry).load(unknown)) { e in
            XCTAssertTrue("\(e)".contains("did you mean 'regression'"), "\(e)")
        }
    }
}
