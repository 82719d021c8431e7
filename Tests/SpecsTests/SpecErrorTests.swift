import XCTest
import Foundation
import PluginRegistry
import Specs

/// A spec with a mistake of each kind gets the right `file:line:column` error.
final class SpecErrorTests: XCTestCase {
    let registry = try! Builtins.registry()

    /// A valid base spec; tests replace parts of it.
    static let base = """
    name: t
    data:
      source: delimited
      path: data.tsv
    text:
      steps: [lowercase]
      sequence_length: 100
    model:
      - {type: Embedding, output_dim: 8}
      - {type: LSTM, units: 64}
      - {type: Dense, units: 1, activation: sigmoid}
    loss: binary_crossentropy
    optimizer: {type: adam, learning_rate: 0.001}
    epochs: 2
    """

    func issues(_ text: String, file: String = "/specs/t.yaml") -> [SpecIssue] {
        do {
            _ = try SpecLoader(registry: registry).load(text: text, file: URL(fileURLWithPath: file))
            XCTFail("expected errors for:\n\(text)")
            return []
        } catch let e as SpecErrors {
            return e.issues
        } catch {
            XCTFail("unexpected \(error)"); return []
        }
    }

    func assertIssue(_ text: String, line: Int, column: Int, contains needle: String, layer: String? = nil, hint: String? = nil,
                     file: StaticString = #filePath, sourceLine: UInt = #line) {
        let found = issues(text)
        guard let i = found.first(where: { $0.message.contains(needle) }) else {
            return XCTFail("no issue containing '\(needle)' in \(found)", file: file, line: sourceLine)
        }
        XCTAssertEqual(i.file, "/specs/t.yaml", file: file, line: sourceLine)
        XCTAssertEqual(i.line, line, "\(i)", file: file, line: sourceLine)
        XCTAssertEqual(i.column, column, "\(i)", file: file, line: sourceLine)
        if let layer { XCTAssertEqual(i.layer, layer, "\(i)", file: file, line: sourceLine) }
        if let hint { XCTAssertTrue(i.hint?.contains(hint) ?? false, "hint of \(i)", file: file, line: sourceLine) }
    }

    func testBaseSpecIsValid() throws {
        let s = try SpecLoader(registry: registry).load(text: Self.base, file: URL(fileURLWithPath: "/specs/t.yaml"))
        XCTAssertEqual(s.layers.map(\.name), ["embedding_1", "lstm_1", "dense_1"])
        XCTAssertEqual(s.output.path, "/specs/runs/t")
    }

    func testYAMLSyntaxError() {
        assertIssue("name: [unclosed\nmodel: []\n", line: 2, column: 6, contains: "YAML syntax")
    }

    func testUnsafeTagsAndAliasesAreRefused() {
        assertIssue(Self.base + "\nextra: !!python/object:os.system ls\n", line: 15, column: 8, contains: "explicit tag")
        assertIssue(Self.base.replacingOccurrences(of: "epochs: 2", with: "epochs: &n 2\nbatch_size: *n"), line: 14, column: 9, contains: "aliases")
    }

    func testUnknownTopLevelKeyWithSuggestion() {
        assertIssue(Self.base.replacingOccurrences(of: "epochs: 2", with: "epoch: 2"), line: 14, column: 1, contains: "unknown key 'epoch'", hint: "did you mean 'epochs'?")
    }

    func testWrongValueTypes() {
        assertIssue(Self.base + "\nbatch_size: big\n", line: 15, column: 13, contains: "'batch_size' must be an integer, found a string")
        assertIssue(Self.base.replacingOccurrences(of: "{type: LSTM, units: 64}", with: "{type: LSTM, units: sixty}"),
                    line: 10, column: 25, contains: "'units' must be an integer, found a string", layer: "lstm_1")
        assertIssue(Self.base.replacingOccurrences(of: "  sequence_length: 100", with: "  sequence_length: [100]"),
                    line: 7, column: 20, contains: "'sequence_length' must be an integer, found a list")
        assertIssue(Self.base.replacingOccurrences(of: "activation: sigmoid", with: "activation: sigmoidal"),
                    line: 11, column: 41, contains: "'activation' must be one of linear|sigmoid|tanh|relu|softmax", layer: "dense_1")
    }

    func testVocabularyRankingMustBeKnown() {
        assertIssue(Self.base.replacingOccurrences(of: "  sequence_length: 100", with: "  sequence_length: 100\n  vocabulary_ranking: tfidf"),
                    line: 8, column: 23, contains: "'vocabulary_ranking' must be one of frequency, chi2, log_ratio")
    }

    func testMissingRequiredFields() {
        assertIssue(Self.base.replacingOccurrences(of: "loss: binary_crossentropy\n", with: ""), line: 1, column: 1, contains: "missing required key 'loss'")
        assertIssue(Self.base.replacingOccurrences(of: "{type: LSTM, units: 64}", with: "{type: LSTM, return_sequences: false}"),
                    line: 10, column: 5, contains: "LSTM needs 'units'", layer: "lstm_1")
        assertIssue(Self.base.replacingOccurrences(of: "  sequence_length: 100\n", with: ""), line: 6, column: 3, contains: "text needs 'sequence_length'")
    }

    func testUnknownNamesGetSuggestions() {
        assertIssue(Self.base.replacingOccurrences(of: "type: LSTM", with: "type: LTSM"), line: 10, column: 12, contains: "unknown layer 'LTSM'; did you mean 'LSTM'?", layer: "ltsm_1")
        assertIssue(Self.base.replacingOccurrences(of: "{type: LSTM, units: 64}", with: "{type: LSTM, unit: 64}"),
                    line: 10, column: 18, contains: "unknown field 'unit' for LSTM", layer: "lstm_1", hint: "did you mean 'units'?")
        assertIssue(Self.base.replacingOccurrences(of: "loss: binary_crossentropy", with: "loss: binary_cross_entropy"),
                    line: 12, column: 7, contains: "unknown loss 'binary_cross_entropy'; did you mean 'binary_crossentropy'?")
        assertIssue(Self.base.replacingOccurrences(of: "type: adam", with: "type: adma"), line: 13, column: 19, contains: "unknown optimizer 'adma'; did you mean 'adam'?")
        assertIssue(Self.base.replacingOccurrences(of: "steps: [lowercase]", with: "steps: [lowercse]"), line: 6, column: 11, contains: "unknown cleaning step 'lowercse'; did you mean 'lowercase'?")
        assertIssue(Self.base.replacingOccurrences(of: "source: delimited", with: "source: delimted"), line: 3, column: 11, contains: "unknown dataset source 'delimted'")
        assertIssue(Self.base + "\nmetrics: [acuracy]\n", line: 15, column: 11, contains: "unknown metric 'acuracy'; did you mean 'accuracy'?")
    }

    func testOutOfRangeValuesNameTheField() {
        assertIssue(Self.base.replacingOccurrences(of: "{type: LSTM, units: 64}", with: "{type: LSTM, units: 64, dropout: 1.5}"),
                    line: 10, column: 38, contains: "'dropout' must be in [0, 1)", layer: "lstm_1")
        assertIssue(Self.base + "\nclipping: {value: 1, norm: 2}\n", line: 15, column: 11, contains: "exactly one of value, norm, global_norm")
        assertIssue(Self.base + "\nepochs2: 1\nsplit: {test: 2}\n", line: 16, column: 15, contains: "'test' must be in 0.0…0.95")
    }

    func testShapeErrorsNameLayersAndSayWhatToDo() {
        assertIssue(Self.base.replacingOccurrences(of: "  - {type: LSTM, units: 64}", with: "  - {type: LSTM, units: 64}\n  - {type: LSTM, units: 32}"),
                    line: 11, column: 5, contains: "lstm_2 cannot take [batch, 64] from lstm_1", hint: "set return_sequences: true on lstm_1")
        assertIssue(Self.base.replacingOccurrences(of: "{type: LSTM, units: 64}", with: "{type: LSTM, units: 64, return_sequences: true}"),
                    line: 11, column: 5, contains: "dense_1 returns [batch, 100, 1] (one output per time step) but the labels are one per example",
                    hint: "set return_sequences: false on lstm_1")
        assertIssue(Self.base.replacingOccurrences(of: "{type: Dense, units: 1, activation: sigmoid}", with: "{type: Dense, units: 3, activation: softmax}"),
                    line: 11, column: 5, contains: "binary_crossentropy needs one output per example", hint: "set units: 1 on dense_1")
    }

    func testAllErrorsOfAFileAreReportedTogether() {
        let text = Self.base.replacingOccurrences(of: "epochs: 2", with: "epoch: 2\nbatch_size: many")
            .replacingOccurrences(of: "type: LSTM", with: "type: LTSM").replacingOccurrences(of: "type: adam", with: "type: adma")
        let found = issues(text)
        XCTAssertGreaterThanOrEqual(found.count, 4, "\(found)")
        XCTAssertEqual(found.map(\.line).sorted(), found.map(\.line).sorted())   // all positioned
        XCTAssertTrue(found.allSatisfy { $0.description.hasPrefix("/specs/t.yaml:") })
    }

    func testJSONSpecsWorkWithPositions() throws {
        let json = """
        {"name": "j", "data": {"source": "numeric_csv", "path": "d.csv"},
         "model": [{"type": "Dense", "units": 10}],
         "loss": "sparse_categorical_crossentropy", "epochs": "two"}
        """
        let found = issues(json, file: "/specs/t.yaml")
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.message, "'epochs' must be an integer, found a string")
        XCTAssertEqual(found.first?.line, 3)
        let ok = json.replacingOccurrences(of: "\"two\"", with: "2")
        XCTAssertEqual(try SpecLoader(registry: registry).load(text: ok, file: URL(fileURLWithPath: "/s/j.json")).epochs, 2)
    }
}
