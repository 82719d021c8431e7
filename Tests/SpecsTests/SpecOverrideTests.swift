import Foundation
import PluginRegistry
import Specs
import XCTest

/// `--set key=value`: applied before validation, so an overridden value is checked like a
/// written one.
final class SpecOverrideTests: XCTestCase {
    let registry = try! Builtins.registry()
    let text = """
        name: o
        data: {source: numeric_csv, path: x.csv}
        graph:
          nodes:
            - {name: hidden, type: Dense, units: 8, activation: relu}
            - {name: out, type: Dense, units: 3}
        loss: mean_squared_error
        optimizer: {type: adam, learning_rate: 0.001}
        epochs: 2
        """

    func load(_ sets: [String]) throws -> Spec {
        try SpecLoader(registry: registry).load(
            text: text, file: URL(fileURLWithPath: "/specs/o.yaml"), overrides: try sets.map { try SpecOverride($0) })
    }

    func testKeysListEntriesByIndexOrNameAndNewKeys() throws {
        let s = try load([
            "epochs=5", "optimizer.learning_rate=0.01", "graph.nodes.0.units=16", "graph.nodes.out.units=4",
            "split.validation=0.25", "optimizer={type: sgd, momentum: 0.9}",
        ])
        XCTAssertEqual(s.epochs, 5)
        XCTAssertEqual(s.layers[0].config["units"] as? Int, 16)
        XCTAssertEqual(s.layers[1].config["units"] as? Int, 4)
        XCTAssertEqual(s.split.validation, 0.25)
        XCTAssertEqual(s.optimizer.name, "sgd")  // the later override wins
        XCTAssertEqual(s.optimizer.config["momentum"] as? Double, 0.9)
    }

    func testBadOverridesAreErrorsLikeWrittenValues() throws {
        XCTAssertThrowsError(try load(["epochs=abc"])) { e in
            let i = (e as! SpecErrors).issues[0]
            XCTAssertEqual(i.line, 9)  // where epochs is written
            XCTAssertTrue(i.message.contains("'epochs' must be an integer"), i.message)
            XCTAssertTrue(i.message.hasSuffix("(given by --set epochs)"), i.message)
        }
        // Inside a mapping given whole, and a key that was not there: in the file (the replaced
        // value's line, or the mapping's), never at the value's own position in the option's text.
        XCTAssertThrowsError(try load(["optimizer={type: sgd, momentum: 2}"])) { e in
            let i = (e as! SpecErrors).issues[0]
            XCTAssertEqual([i.line, i.column], [8, 12], "\(i)")
            XCTAssertTrue(i.message.contains("'momentum' must be in [0, 1)"), i.message)
            XCTAssertTrue(i.message.contains("(given by --set optimizer)"), i.message)
        }
        XCTAssertThrowsError(try load(["layers.0.units=3"])) { e in
            let i = (e as! SpecErrors).issues[0]
            XCTAssertEqual([i.line, i.column], [1, 1], "\(i)")
            XCTAssertTrue(
                i.message.contains("unknown key 'layers' in top level (given by --set layers.0.units)"), i.message)
        }
        XCTAssertNoThrow(try load(["epochs=3"]))
        XCTAssertThrowsError(try load(["graph.nodes.7.units=1"])) { e in
            XCTAssertTrue("\(e)".contains("--set graph.nodes.7.units: '7' is neither an index 0…1"), "\(e)")
        }
        XCTAssertThrowsError(try load(["epochs.x=1"])) { e in
            XCTAssertTrue("\(e)".contains("'x' goes inside an integer"), "\(e)")
        }
        XCTAssertThrowsError(try SpecOverride("=3")) { e in XCTAssertTrue("\(e)".contains("not key=value"), "\(e)") }
    }
}
