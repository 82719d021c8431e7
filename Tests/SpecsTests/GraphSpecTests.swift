import Foundation
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

/// `graph:` specs: shapes and names checked before any data is read, and one path through
/// training, bundles, evaluate and predict.
final class GraphSpecTests: RunnerTestCase {
    static let head = """
        name: g
        seed: 2
        data: {source: delimited, path: t.tsv, text_column: text, label_column: label}
        text: {sequence_length: 6}
        loss: sparse_categorical_crossentropy
        optimizer: {type: adam, learning_rate: 0.05}
        epochs: 3
        verbosity: quiet
        output: out
        """

    static let pooled =
        head + """

            graph:
              nodes:
                - {name: emb, type: Embedding, output_dim: 4, mask_zero: true}
                - {name: seq, type: GRU, units: 5, return_sequences: true}
                - {name: max, type: GlobalMaxPooling1D, inputs: [seq]}
                - {name: mean, type: GlobalAveragePooling1D, inputs: [seq]}
                - {name: both, type: Concatenate, inputs: [max, mean]}
                - {name: out, type: Dense, units: 2, activation: softmax}
            """

    func issues(_ text: String) -> [SpecIssue] {
        do {
            _ = try SpecLoader(registry: registry).load(text: text, file: URL(fileURLWithPath: "/specs/g.yaml"))
            return []
        } catch let e as SpecErrors {
            return e.issues
        } catch {
            XCTFail("\(error)")
            return []
        }
    }

    func assertIssue(
        _ text: String, line: Int, _ needle: String, file: StaticString = #filePath, sourceLine: UInt = #line
    ) {
        let found = issues(text)
        guard let i = found.first(where: { $0.message.contains(needle) }) else {
            return XCTFail("no '\(needle)' in \(found)", file: file, line: sourceLine)
        }
        XCTAssertEqual(i.line, line, "\(i)", file: file, line: sourceLine)
    }

    func testAValidGraphValidatesAndSummarises() throws {
        XCTAssertEqual(issues(Self.pooled).map(\.description), [])
        let spec = try SpecLoader(registry: registry).load(
            text: Self.pooled, file: URL(fileURLWithPath: "/specs/g.yaml"))
        XCTAssertTrue(spec.isGraph)
        let s = try spec.summaryModel(registry: registry).summary()
        XCTAssertTrue(s.contains("Connected to") && s.contains("both (Concatenate)") && s.contains("max, mean"), s)
    }

    func testGraphMistakesArePositioned() {
        assertIssue(
            Self.pooled.replacingOccurrences(of: "inputs: [max, mean]", with: "inputs: [max, maen]"), line: 16,
            "reads 'maen', but no node above it")
        assertIssue(
            Self.pooled.replacingOccurrences(
                of: "inputs: [seq]}\n    - {name: mean", with: "inputs: [both]}\n    - {name: mean"), line: 14,
            "reads 'both', which is this node or one below it")
        assertIssue(
            Self.pooled.replacingOccurrences(of: "inputs: [max, mean]", with: "inputs: [max, max]"), line: 15,
            "mean is not read by any node")
        assertIssue(
            Self.pooled.replacingOccurrences(
                of: "{name: both, type: Concatenate, inputs: [max, mean]}",
                with: "{name: both, type: Add, inputs: [max, emb]}"),
            line: 16, "both cannot take [batch, 5] and [batch, 6, 4]")
        assertIssue(
            Self.pooled + "\nmodel: [{type: Dense, units: 2}]\n", line: 11, "give either 'model' or 'graph', not both")
        assertIssue(
            Self.pooled.replacingOccurrences(
                of: "{name: mean, type: GlobalAveragePooling1D, inputs: [seq]}",
                with: "{name: mean, share: maxx, inputs: [seq]}"),
            line: 15, "no node above is named 'maxx'")
        assertIssue(
            Self.pooled.replacingOccurrences(
                of: "{name: out, type: Dense, units: 2, activation: softmax}",
                with: "{name: out, type: Dense, units: 2, activation: softmax, inputs: [seq]}"),
            line: 17, "out returns [batch, 6, 2] (one output per time step)")
    }

    /// An empty or unusable `inputs` list is an error at its line, for a recurrent layer and a
    /// merge layer alike (the fuzzer's `inputs: [epochs: 30 …]` once crashed the shape check).
    func testEmptyOrUnusableInputsAreErrorsNotCrashes() {
        let seq = "{name: seq, type: GRU, units: 5, return_sequences: true"
        for (from, to, line, needle) in [
            (seq + "}", seq + ", inputs: []}", 13, "inputs needs at least one node name"),
            ("inputs: [max, mean]", "inputs: []", 16, "inputs needs at least one node name"),
            (seq + "}", seq + ", inputs: [epochs: 30]}", 13, "expected a node name, found a mapping"),
            ("{name: emb,", "{name: input,", 12, "a node cannot be named 'input': the model's inputs are named input"),
        ] {
            assertIssue(Self.pooled.replacingOccurrences(of: from, with: to), line: line, needle)
        }
    }

    func writeData() throws {
        let rows = (0..<60).map { i in i % 2 == 0 ? "good fine nice \(i % 7)\tpos" : "bad dull awful \(i % 5)\tneg" }
        try Data(("text\tlabel\n" + rows.joined(separator: "\n") + "\n").utf8).write(
            to: dir.appendingPathComponent("t.tsv"))
    }

    /// Recurrent final states as node inputs: a Bidirectional's last states joined to its pooled
    /// steps, and an encoder's `h`/`c` starting a decoder; a state the node lacks, or a wrong
    /// number of initial states, is an error at the node's `inputs`.
    func testStatesAreReadAsNodeInputsAndCheckedBeforeData() throws {
        let good =
            Self.head + """

                graph:
                  nodes:
                    - {name: emb, type: Embedding, output_dim: 4, mask_zero: true}
                    - {name: bi, type: Bidirectional, layer: {type: GRU, units: 5, return_sequences: true}}
                    - {name: max, type: GlobalMaxPooling1D, inputs: [bi]}
                    - {name: enc, type: LSTM, units: 3, inputs: [emb]}
                    - {name: dec, type: LSTM, units: 3, inputs: [emb, enc.h, enc.c]}
                    - {name: all, type: Concatenate, inputs: [max, bi.forward_h, bi.backward_h, dec]}
                    - {name: out, type: Dense, units: 2, activation: softmax}
                """
        XCTAssertEqual(issues(good), [])
        let wrongState = good.replacingOccurrences(of: "bi.backward_h, dec]", with: "bi.backward_c, dec]")
        XCTAssertEqual(
            issues(wrongState).map(\.message),
            [
                "all reads 'bi.backward_c', but bi's states are backward_h, forward_h"
            ])
        XCTAssertEqual(issues(wrongState).first.map { "\($0.line):\($0.column)" }, "17:46")  // the [ of all's inputs
        let twoStatesForGRU = good.replacingOccurrences(
            of: "type: LSTM, units: 3, inputs: [emb, enc.h", with: "type: GRU, units: 3, inputs: [emb, enc.h")
        XCTAssertEqual(
            issues(twoStatesForGRU).map(\.message),
            [
                "dec (GRU) takes its sequence, then 1 initial state(s) (h); given 2"
            ])
        // An attentive decoder reads its sequence, then the memory, then h and c.
        let attentive = good.replacingOccurrences(
            of: "{name: dec, type: LSTM, units: 3, inputs: [emb, enc.h, enc.c]}",
            with: "{name: seq, type: LSTM, units: 3, return_sequences: true, inputs: [emb]}\n"
                + "    - {name: dec, type: AttentionLSTM, units: 3, inputs: [emb, seq, enc.h, enc.c]}\n"
                + "    - {name: last, type: GlobalMaxPooling1D, inputs: [dec]}"
        ).replacingOccurrences(of: "bi.backward_h, dec]", with: "bi.backward_h, last]")
        XCTAssertEqual(issues(attentive), [])
        XCTAssertEqual(
            issues(attentive.replacingOccurrences(of: "[emb, seq, enc.h, enc.c]", with: "[emb, seq, enc.h]")).map(
                \.message),
            [
                "dec (AttentionLSTM) takes its sequence, then 1 memory sequence(s), then 2 initial state(s) (h, c); given 1"
            ])
        XCTAssertEqual(
            issues(attentive.replacingOccurrences(of: "[emb, seq, enc.h, enc.c]", with: "[emb]")).map(\.message),
            [
                "dec (AttentionLSTM) reads its sequence and then 1 memory sequence(s); use it in a graph: inputs: [sequence, memory, …]"
            ])
        try writeData()
        let url = dir.appendingPathComponent("s.yaml")
        try Data(good.utf8).write(to: url)
        let r = try runner.train(url)
        XCTAssertGreaterThanOrEqual(r.test!.confusion!.accuracy, 0.9)
        let b = try ModelBundle.load(r.bundle, registry: registry)
        XCTAssertEqual(b.model.inputNames(of: b.model.nodes[5]), ["max", "bi.forward_h", "bi.backward_h", "dec"])
        XCTAssertEqual(try runner.evaluate(bundle: r.bundle).loss, r.test!.loss, accuracy: 1e-6)
        let t = try runner.trace(r.bundle, input: "good fine")
        XCTAssertEqual(t.steps[0].layers.map(\.layer), ["bi.forward_layer", "bi.backward_layer", "enc", "dec"])
    }

    /// A graph without `inputs:` is a chain: it trains to the bits of the same `model:` list.
    func testAChainGraphTrainsToTheModelListsBits() throws {
        try writeData()
        let list =
            Self.head.replacingOccurrences(of: "output: out", with: "output: a") + """

                model: [{type: Embedding, output_dim: 4, mask_zero: true}, {type: GRU, units: 5}, {type: Dense, units: 2, activation: softmax}]
                """
        let graph =
            Self.head.replacingOccurrences(of: "output: out", with: "output: b") + """

                graph:
                  nodes: [{type: Embedding, output_dim: 4, mask_zero: true}, {type: GRU, units: 5}, {type: Dense, units: 2, activation: softmax}]
                """
        try Data(list.utf8).write(to: dir.appendingPathComponent("a.yaml"))
        try Data(graph.utf8).write(to: dir.appendingPathComponent("b.yaml"))
        let a = try runner.train(dir.appendingPathComponent("a.yaml"))
        let b = try runner.train(dir.appendingPathComponent("b.yaml"))
        XCTAssertEqual(
            try Data(contentsOf: a.bundle.appendingPathComponent("weights.safetensors")),
            try Data(contentsOf: b.bundle.appendingPathComponent("weights.safetensors")))
    }

    /// The pooled graph trains, and its bundle loads, evaluates and predicts.
    func testAPooledGraphEndToEnd() throws {
        try writeData()
        let url = dir.appendingPathComponent("g.yaml")
        // A column the file lacks is an error at the field that names it, listing the columns.
        try Data(Self.pooled.replacingOccurrences(of: "text_column: text", with: "text_column: txt").utf8).write(
            to: url)
        XCTAssertThrowsError(try runner.train(url)) { e in
            XCTAssertTrue(
                "\(e)".contains("g.yaml:3:53: text_column: 'txt' is not a column of ")
                    && "\(e)".hasSuffix("t.tsv (columns: text, label)"), "\(e)")
        }
        try Data(Self.pooled.utf8).write(to: url)
        let r = try runner.train(url)
        XCTAssertGreaterThanOrEqual(r.test!.confusion!.accuracy, 0.9)
        let model =
            try JSONSerialization.jsonObject(with: Data(contentsOf: r.bundle.appendingPathComponent("model.json")))
            as! [String: Any]
        let nodes = model["nodes"] as! [[String: Any]]
        XCTAssertEqual(nodes.map { $0["name"] as! String }, ["emb", "seq", "max", "mean", "both", "out"])
        XCTAssertEqual(nodes[4]["inputs"] as! [String], ["max", "mean"])
        let b = try ModelBundle.load(r.bundle, registry: registry)
        XCTAssertFalse(b.model.isChain)
        XCTAssertEqual(try runner.evaluate(bundle: r.bundle).loss, r.test!.loss, accuracy: 1e-6)
        let p = try runner.predict(bundle: r.bundle, texts: ["good fine nice", "bad dull awful"])
        XCTAssertEqual(p.map(\.label), ["pos", "neg"])
        // trace follows the graph: the GRU node's steps, and the output predict gives.
        let t = try runner.trace(r.bundle, input: "good fine nice")
        XCTAssertEqual(t.steps.map(\.input), ["good", "fine", "nice"])
        XCTAssertEqual(t.steps.map { $0.layers.map(\.layer) }, [["seq"], ["seq"], ["seq"]])
        XCTAssertEqual(t.steps[0].layers[0].gates.keys.sorted(), ["candidate", "reset", "update"])
        for (k, name) in t.symbols.enumerated() {
            XCTAssertEqual(Double(t.finalProbabilities![k]), p[0].probabilities[name]!, accuracy: 1e-4)
        }
    }
}
