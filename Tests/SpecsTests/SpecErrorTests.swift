import Foundation
import PluginRegistry
import Specs
import XCTest

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
            XCTFail("unexpected \(error)")
            return []
        }
    }

    func assertIssue(
        _ text: String, line: Int, column: Int, contains needle: String, layer: String? = nil, hint: String? = nil,
        file: StaticString = #filePath, sourceLine: UInt = #line
    ) {
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

    /// A key given twice is an error at its second place (where the mistake usually is), within
    /// its own mapping: a later list item's key of the same name is not it.
    func testDuplicateKeysPointAtTheSecond() {
        assertIssue(Self.base + "\nepochs: 3\n", line: 15, column: 1, contains: "'epochs' is given twice")
        assertIssue(
            Self.base.replacingOccurrences(of: "  path: data.tsv", with: "  path: data.tsv\n  # again\n  path: b.tsv"),
            line: 6, column: 3, contains: "'path' is given twice in one mapping (first at line 4)")
        let nodes = "graph:\n  nodes:\n    - name: a\n      type: Dense\n      name: c\n    - name: b\n"
        assertIssue(
            Self.base.replacingOccurrences(of: "model:\n", with: nodes + "model:\n"), line: 12, column: 7,
            contains: "'name' is given twice")
        let second = "graph:\n  nodes:\n    - {name: a, type: Dense, name: c}\n    - name: b\n"
        assertIssue(
            Self.base.replacingOccurrences(of: "model:\n", with: second + "model:\n"), line: 10, column: 8,
            contains: "'name' is given twice in one mapping: keep one")
    }

    func testUnsafeTagsAndAliasesAreRefused() {
        assertIssue(
            Self.base + "\nextra: !!python/object:os.system ls\n", line: 15, column: 8, contains: "explicit tag")
        assertIssue(
            Self.base.replacingOccurrences(of: "epochs: 2", with: "epochs: &n 2\nbatch_size: *n"), line: 14, column: 9,
            contains: "aliases")
    }

    func testUnknownTopLevelKeyWithSuggestion() {
        assertIssue(
            Self.base.replacingOccurrences(of: "epochs: 2", with: "epoch: 2"), line: 14, column: 1,
            contains: "unknown key 'epoch'", hint: "did you mean 'epochs'?")
    }

    func testWrongValueTypes() {
        assertIssue(
            Self.base + "\nbatch_size: big\n", line: 15, column: 13,
            contains: "'batch_size' must be an integer, found a string")
        assertIssue(  // once "'action' must be a string, found a string"
            Self.base.replacingOccurrences(of: "steps: [lowercase]", with: "steps: [{type: hashtags, action: drop}]"),
            line: 6, column: 36, contains: "'action' must be remove, keep_word or replace, got 'drop'")
        assertIssue(
            Self.base.replacingOccurrences(of: "{type: adam, learning_rate: 0.001}", with: "{type: 3}"), line: 13,
            column: 19, contains: "expected an optimizer name, found an integer")
        for units in ["0.5", "1e20"] {  // once "'' The given data was not valid JSON."
            assertIssue(
                Self.base.replacingOccurrences(of: "units: 64", with: "units: \(units)"), line: 10, column: 25,
                contains: "'units' must be an integer, found a number", layer: "lstm_1")
        }
        assertIssue(
            Self.base.replacingOccurrences(
                of: "loss: binary_crossentropy",
                with: "loss: {type: sparse_categorical_crossentropy, label_smoothing: 1.5}"),
            line: 12, column: 64, contains: "'label_smoothing' must be in [0, 1), got 1.5")
        assertIssue(
            Self.base + "\nbucket_by_length: yes please\n", line: 15, column: 19,
            contains: "'bucket_by_length' must be true or false, found a string")
        assertIssue(
            Self.base.replacingOccurrences(of: "{type: LSTM, units: 64}", with: "{type: LSTM, units: sixty}"),
            line: 10, column: 25, contains: "'units' must be an integer, found a string", layer: "lstm_1")
        assertIssue(
            Self.base.replacingOccurrences(of: "  sequence_length: 100", with: "  sequence_length: [100]"),
            line: 7, column: 20, contains: "'sequence_length' must be an integer, found a list")
        assertIssue(
            Self.base.replacingOccurrences(of: "activation: sigmoid", with: "activation: sigmoidal"),
            line: 11, column: 41,
            contains: "'activation' must be one of linear|sigmoid|tanh|relu|softmax, found 'sigmoidal'",
            layer: "dense_1", hint: "did you mean 'sigmoid'?")
    }

    func testVocabularyRankingMustBeKnown() {
        assertIssue(
            Self.base.replacingOccurrences(
                of: "  sequence_length: 100", with: "  sequence_length: 100\n  vocabulary_ranking: tfidf"),
            line: 8, column: 23, contains: "'vocabulary_ranking' must be one of frequency, chi2, log_ratio")
    }

    func testMissingRequiredFields() {
        assertIssue(
            Self.base.replacingOccurrences(of: "loss: binary_crossentropy\n", with: ""), line: 1, column: 1,
            contains: "missing required key 'loss'")
        assertIssue(
            Self.base.replacingOccurrences(
                of: "{type: LSTM, units: 64}", with: "{type: LSTM, return_sequences: false}"),
            line: 10, column: 5, contains: "LSTM needs 'units'", layer: "lstm_1")
        assertIssue(
            Self.base.replacingOccurrences(of: "  sequence_length: 100\n", with: ""), line: 6, column: 3,
            contains: "text needs 'sequence_length'")
    }

    func testUnknownNamesGetSuggestions() {
        assertIssue(
            Self.base.replacingOccurrences(of: "type: LSTM", with: "type: LTSM"), line: 10, column: 12,
            contains: "unknown layer 'LTSM'; did you mean 'LSTM'?", layer: "ltsm_1")
        assertIssue(
            Self.base.replacingOccurrences(of: "{type: LSTM, units: 64}", with: "{type: LSTM, unit: 64}"),
            line: 10, column: 18, contains: "unknown field 'unit' for LSTM", layer: "lstm_1",
            hint: "did you mean 'units'?")
        assertIssue(
            Self.base.replacingOccurrences(of: "loss: binary_crossentropy", with: "loss: binary_cross_entropy"),
            line: 12, column: 7, contains: "unknown loss 'binary_cross_entropy'; did you mean 'binary_crossentropy'?")
        assertIssue(
            Self.base.replacingOccurrences(of: "type: adam", with: "type: adma"), line: 13, column: 19,
            contains: "unknown optimizer 'adma'; did you mean 'adam'?")
        assertIssue(
            Self.base.replacingOccurrences(of: "steps: [lowercase]", with: "steps: [lowercse]"), line: 6, column: 11,
            contains: "unknown cleaning step 'lowercse'; did you mean 'lowercase'?")
        assertIssue(
            Self.base.replacingOccurrences(of: "source: delimited", with: "source: delimted"), line: 3, column: 11,
            contains: "unknown dataset source 'delimted'")
        assertIssue(
            Self.base + "\nmetrics: [acuracy]\n", line: 15, column: 11,
            contains: "unknown metric 'acuracy'; did you mean 'accuracy'?")
    }

    func testOutOfRangeValuesNameTheField() {
        assertIssue(
            Self.base.replacingOccurrences(
                of: "{type: LSTM, units: 64}", with: "{type: LSTM, units: 64, dropout: 1.5}"),
            line: 10, column: 38, contains: "'dropout' must be in [0, 1)", layer: "lstm_1")
        assertIssue(
            Self.base + "\nclipping: {value: 1, norm: 2}\n", line: 15, column: 11,
            contains: "exactly one of value, norm, global_norm")
        assertIssue(
            Self.base + "\nepochs2: 1\nsplit: {test: 2}\n", line: 16, column: 15, contains: "'test' must be in 0.0…0.95"
        )
        assertIssue(
            Self.base + "\nema: {momentum: 1}\n", line: 15, column: 17,
            contains: "'momentum' must be a number in [0.5, 1), found 1.0")
        assertIssue(Self.base + "\nema: {}\n", line: 15, column: 6, contains: "ema needs 'momentum'")
        assertIssue(
            Self.base + "\nema: {momentum: 0.99, start: 3}\n", line: 15, column: 23, contains: "unknown key 'start'")
    }

    /// Sizes the config alone makes impossible are refused at the field, without data: what
    /// `unroll validate` reports (the layer's build would refuse them later, during training).
    func testImpossibleSizesAreRefusedAtTheField() {
        let lstm = "{type: LSTM, units: 64}"
        for (old, new, line, column, message, layer) in [
            (
                lstm, "{type: LSTM, units: 1000000}", 10, 25,
                "'units' 1000000 cannot be trained here: a parameter of shape [1000000, 4000000] is too large",
                "lstm_1"
            ),
            (
                lstm, "{type: LSTM, units: 9223372036854775807}", 10, 25,
                "extent 9223372036854775807 is beyond 2147483647", "lstm_1"
            ),
            (
                "{type: Dense, units: 1, activation: sigmoid}", "{type: Dense, units: 3000000000}", 11, 26,
                "'units' 3000000000 cannot be trained here", "dense_1"
            ),
            (
                "output_dim: 8}", "output_dim: 3000000000}", 9, 35, "'output_dim' 3000000000 cannot be trained here",
                "embedding_1"
            ),
        ] {
            assertIssue(
                Self.base.replacingOccurrences(of: old, with: new), line: line, column: column, contains: message,
                layer: layer)
        }
    }

    func testShapeErrorsNameLayersAndSayWhatToDo() {
        assertIssue(
            Self.base.replacingOccurrences(
                of: "  - {type: LSTM, units: 64}", with: "  - {type: LSTM, units: 64}\n  - {type: LSTM, units: 32}"),
            line: 11, column: 5, contains: "lstm_2 cannot take [batch, 64] from lstm_1",
            hint: "set return_sequences: true on lstm_1")
        assertIssue(
            Self.base.replacingOccurrences(
                of: "{type: LSTM, units: 64}", with: "{type: LSTM, units: 64, return_sequences: true}"),
            line: 11, column: 5,
            contains: "dense_1 returns [batch, 100, 1] (one output per time step) but the labels are one per example",
            hint: "set return_sequences: false on lstm_1")
        assertIssue(
            Self.base.replacingOccurrences(
                of: "{type: Dense, units: 1, activation: sigmoid}", with: "{type: Dense, units: 3, activation: softmax}"
            ),
            line: 11, column: 5, contains: "binary_crossentropy needs one output per example",
            hint: "set units: 1 on dense_1")
    }

    func testAllErrorsOfAFileAreReportedTogether() {
        let text = Self.base.replacingOccurrences(of: "epochs: 2", with: "epoch: 2\nbatch_size: many")
            .replacingOccurrences(of: "type: LSTM", with: "type: LTSM").replacingOccurrences(
                of: "type: adam", with: "type: adma")
        let found = issues(text)
        XCTAssertGreaterThanOrEqual(found.count, 4, "\(found)")
        XCTAssertEqual(found.map(\.line).sorted(), found.map(\.line).sorted())  // all positioned
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
        XCTAssertEqual(
            try SpecLoader(registry: registry).load(text: ok, file: URL(fileURLWithPath: "/s/j.json")).epochs, 2)
    }

    /// Settings that make training produce NaN are refused at the value: Adam's `epsilon: 0`,
    /// `beta1: 1`, `beta2: 1`, Adagrad's `initial_accumulator: -1`, negative rates.
    func testOptimizerSettingsThatGiveNaNAreRefusedAtTheValue() {
        let cases: [(String, String, String)] = [
            ("{type: adam, epsilon: 0}", "epsilon", "must be a positive number"),
            ("{type: adam, beta1: 1}", "beta1", "must be in [0, 1)"),
            ("{type: adam, beta2: 1}", "beta2", "must be in [0, 1)"),
            ("{type: adagrad, initial_accumulator: -1}", "initial_accumulator", "must be a finite number ≥ 0"),
            ("{type: sgd, learning_rate: -0.1}", "learning_rate", "must be a finite number ≥ 0"),
            ("{type: rmsprop, rho: 1.5}", "rho", "must be in [0, 1)"),
            ("{type: sgd, momentum: 1}", "momentum", "must be in [0, 1)"),
            // Not a number JSON can hold, or beyond a Float: at the value, not a JSON writer's message.
            ("{type: adam, learning_rate: .nan}", "learning_rate", "must be a finite number, found nan"),
            ("{type: adam, epsilon: -.inf}", "epsilon", "must be a finite number, found -inf"),
            ("{type: sgd, learning_rate: 1e39}", "learning_rate", "must be within ±3.4e38 (a 32-bit float)"),
        ]
        for (optimizer, field, rule) in cases {
            let needle = "'\(field)' \(rule)"
            let text = Self.base.replacingOccurrences(
                of: "optimizer: {type: adam, learning_rate: 0.001}", with: "optimizer: \(optimizer)")
            let found = issues(text)
            guard let i = found.first(where: { $0.message.contains(needle) }) else {
                XCTFail("\(optimizer): \(found)")
                continue
            }
            let line = text.split(separator: "\n", omittingEmptySubsequences: false)[12]
            XCTAssertEqual(i.line, 13, "\(i)")
            XCTAssertEqual(
                i.column, line.distance(from: line.startIndex, to: line.range(of: "\(field): ")!.upperBound) + 1, "\(i)"
            )
        }
        let schedule = issues(Self.base + "\nschedule: {type: step_decay, every: 0}\n")
        XCTAssertTrue(schedule.contains { $0.message.contains("'every' must be ≥ 1") && $0.line == 15 }, "\(schedule)")
    }

    /// `units: 1:20` was read as 80 (YAML 1.1 base 60); hex, octal and underscores likewise.
    /// Integers in a spec are plain decimal numbers.
    func testIntegersArePlainDecimal() {
        for (value, column) in [("1:20", 25), ("0x40", 25), ("0o100", 25), ("6_4", 25)] {
            assertIssue(
                Self.base.replacingOccurrences(of: "{type: LSTM, units: 64}", with: "{type: LSTM, units: \(value)}"),
                line: 10, column: column, contains: "'\(value)' is not a plain decimal integer")
        }
        assertIssue(
            Self.base.replacingOccurrences(of: "{type: LSTM, units: 64}", with: "{type: LSTM, units: 1:20}"),
            line: 10, column: 25, contains: "YAML 1.1 would read it as 80")
        // Found by unroll-fuzz: Yams' base-60 reading trapped on overflow.
        assertIssue(
            Self.base.replacingOccurrences(of: "epochs: 2", with: "epochs: 9223372036854775801:20"),
            line: 14, column: 9, contains: "would read it in another base")
        assertIssue(
            Self.base.replacingOccurrences(of: "learning_rate: 0.001", with: "learning_rate: 1:20.5"),
            line: 13, column: 40, contains: "'1:20.5' is not a plain decimal number")
        XCTAssertNoThrow(
            try SpecLoader(registry: registry).load(
                text: Self.base.replacingOccurrences(of: "units: 64", with: "units: +64"),
                file: URL(fileURLWithPath: "/specs/t.yaml")))
    }

    /// `name: ../../x` (the default output is runs/<name>) and `output: ''` are refused.
    func testNameAndOutputMustNameAFolder() {
        assertIssue(
            Self.base.replacingOccurrences(of: "name: t", with: "name: ../../x"), line: 1, column: 7,
            contains: "must be a plain name")
        assertIssue(Self.base + "\noutput: ''\n", line: 15, column: 9, contains: "output must name a folder")
    }

    /// A plugin whose factory makes the wrong kind of thing (registered under the wrong kind) was
    /// silently dropped (a cleaning step) or crashed the loader (`dataSpec!`, a dataset source):
    /// each is an issue at its reference now, and nothing is built twice.
    func testPluginsOfTheWrongTypeAreIssuesNotCrashes() throws {
        enum Misregistered: PluginModule {
            struct None: PluginConfig {}
            static func register(in r: inout Registry) throws {
                try r.register(
                    .configured(.datasetSource, "acme.rows", summary: "wrong kind", config: None.self) { _, _ in
                        "not a source"
                    })
                try r.register(
                    .configured(.cleaningStep, "acme.tidy", summary: "wrong kind", config: None.self) { _, _ in 42 })
                try r.register(
                    .configured(.tokenizer, "acme.split", summary: "wrong kind", config: None.self) { _, _ in [1, 2] })
            }
        }
        let registry = try Builtins.registry(plugins: [Misregistered.self])
        let text = Self.base
            .replacingOccurrences(of: "  source: delimited\n  path: data.tsv", with: "  source: acme.rows")
            .replacingOccurrences(
                of: "  steps: [lowercase]", with: "  steps: [lowercase, acme.tidy]\n  tokenizer: acme.split")
        XCTAssertThrowsError(
            try SpecLoader(registry: registry).load(text: text, file: URL(fileURLWithPath: "/specs/t.yaml"))
        ) { e in
            let issues = (e as? SpecErrors)?.issues ?? []
            XCTAssertTrue(
                issues.contains {
                    $0.message.contains("'acme.rows' is registered as a dataset source but its factory made String")
                        && $0.line == 3
                }, "\(issues)")
            XCTAssertTrue(
                issues.contains {
                    $0.message.contains("'acme.tidy' is registered as a cleaning step but its factory made Int")
                        && $0.line == 5
                }, "\(issues)")
            XCTAssertTrue(
                issues.contains { $0.message.contains("'acme.split' is registered as a tokenizer") && $0.line == 6 },
                "\(issues)")
        }
    }
}
