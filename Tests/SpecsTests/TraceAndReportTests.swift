import Foundation
import Layers
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

final class TraceAndReportTests: XCTestCase {
    let registry = try! Builtins.registry()
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Examples")

    /// The notes' "hello" numbers, through `unroll trace` on the example spec with the notes' weights.
    func testTraceOfHelloReproducesTheNotes() throws {
        var runner = Runner(registry: registry)
        runner.log = { _ in }
        let t = try runner.trace(Self.examples.appendingPathComponent("hello-notes.yaml"), input: "hell")
        XCTAssertEqual(t.symbols, ["e", "h", "l", "o"])
        XCTAssertEqual(t.steps.map(\.input), ["h", "e", "l", "l"])
        let s1 = t.steps[0]
        XCTAssertEqual(s1.layers[0].hidden, [0.5, 0.7311, 0.2689, 0.5].map { Float($0) }, accuracy: 1e-4)
        XCTAssertEqual(s1.output!, [0.5, -0.0189, -0.0966, 0.2311].map { Float($0) }, accuracy: 1e-4)  // e, h, l, o
        XCTAssertEqual(s1.probabilities![0], 0.3436, accuracy: 1e-4)  // P("e")
        XCTAssertTrue(Tracer.render(t).contains("'e' 0.3436"))
    }

    func testTraceReferenceMatchesTheFusedKernelForLSTMAndGRU() throws {
        for layer in [try LSTM(units: 3, returnSequences: true) as any Layer, try GRU(units: 3, returnSequences: true)]
        {
            let model = try Sequential(
                inputShape: [5],
                layers: [Embedding(inputDim: 6, outputDim: 4), layer, Dense(units: 2, activation: .softmax)], seed: 9)
            let t = try Tracer.trace(
                model: model, ids: [1, 2, 3, 4, 5], inputs: ["a", "b", "c", "d", "e"], symbols: ["x", "y"])
            XCTAssertEqual(t.steps.count, 5)
            XCTAssertEqual(t.steps[0].layers[0].gates.count, layer is LSTM ? 4 : 3)
            XCTAssertEqual(t.steps[4].probabilities!.reduce(0, +), 1, accuracy: 1e-5)
            if layer is LSTM { XCTAssertNotNil(t.steps[0].layers[0].cell) }
        }
    }

    /// Bidirectional: both directions are traced and checked; the backward direction's rows sit
    /// at the input step they read, so its final state is the row at the first step.
    func testTraceFollowsBothDirectionsOfABidirectionalLayer() throws {
        let bi = try Bidirectional("LSTM", ["units": .number(3)], mergeMode: .concat)
        let model = try Sequential(inputShape: [5], layers: [Embedding(inputDim: 6, outputDim: 4), bi], seed: 4)
        let t = try Tracer.trace(model: model, ids: [1, 2, 3, 4, 5], inputs: ["a", "b", "c", "d", "e"], symbols: [])
        XCTAssertEqual(t.steps.map { $0.layers.count }, [2, 2, 2, 2, 2])
        let forward = t.steps[4].layers.first { $0.layer.hasSuffix("forward_layer") }!
        let backward = t.steps[0].layers.first { $0.layer.hasSuffix("backward_layer") }!
        let x = try Tensor(shape: [1, 5], scalars: [1, 2, 3, 4, 5])
        XCTAssertEqual(try model.predict(x).scalars, forward.hidden + backward.hidden, accuracy: 1e-5)
    }

    func testPlotsAreWellFormedSVGAndTheReportEmbedsThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var h = History()
        h.epochs = (1...4).map {
            EpochLogs(
                epoch: $0,
                values: [
                    "loss": 1 / Double($0), "val_loss": 1.2 / Double($0), "accuracy": 0.5 + 0.1 * Double($0),
                    "val_accuracy": 0.5 + 0.08 * Double($0),
                ])
        }
        try h.json().write(to: dir.appendingPathComponent("history.json"))
        try Data(h.csv().utf8).write(to: dir.appendingPathComponent("history.csv"))
        let metrics: [String: Any] = [
            "test": [
                "classes": ["neg", "pos & <mixed>"], "confusion_matrix": [[40, 10], [5, 45]], "accuracy": 0.85,
            ]
        ]
        try JSONSerialization.data(withJSONObject: metrics).write(to: dir.appendingPathComponent("metrics.json"))
        let flow = """
            {"layers": [{"layer": "lstm_1", "epoch": 1, "gradient_norms": [1e-7, 1e-5, 1e-2, 1], "saturation": {"forget": 0.1}, "batches": 3},
                        {"layer": "lstm_1", "epoch": 4, "gradient_norms": [1e-4, 1e-3, 1e-1, 1], "saturation": {"forget": 0.2}, "batches": 3}],
             "clipping": [], "summary": ["lstm_1: gradient at step 1 is 1e-04 of step 4 — flowing"]}
            """
        try Data(flow.utf8).write(to: dir.appendingPathComponent("gradient_flow.json"))
        let files = try BundleReport.writePlots(dir)
        XCTAssertEqual(
            Set(files.map(\.lastPathComponent)), ["loss.svg", "metrics.svg", "confusion.svg", "gradient_flow.svg"])
        for f in files {
            let parser = XMLParser(data: try Data(contentsOf: f))
            XCTAssertTrue(
                parser.parse(),
                "\(f.lastPathComponent) is not well-formed XML: \(String(describing: parser.parserError))")
        }
        let confusion = try String(contentsOf: dir.appendingPathComponent("confusion.svg"), encoding: .utf8)
        XCTAssertTrue(confusion.contains("pos &amp; &lt;mixed&gt;") && confusion.contains(">45<"))
        let html = try BundleReport.writeHTML(dir, summary: "Model: \"m\"")
        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 4)
        XCTAssertTrue(page.contains("gradient at step 1 is 1e-04 of step 4"))
    }
}

extension TraceAndReportTests {
    /// An axis's labels share their number of decimals, as many as the step needs.
    func testTickLabelsOfAnAxisAreConsistent() {
        XCTAssertEqual(SVG.tickLabels([0, 0.25, 0.5, 0.75, 1]), ["0.00", "0.25", "0.50", "0.75", "1.00"])
        XCTAssertEqual(SVG.tickLabels([1, 1.5, 2]), ["1.0", "1.5", "2.0"])
        XCTAssertEqual(SVG.tickLabels([0, 5, 10]), ["0", "5", "10"])
        XCTAssertEqual(SVG.tickLabels([0.2, 0.4, 0.6000000000000001]), ["0.2", "0.4", "0.6"])
        XCTAssertEqual(SVG.tickLabels([-0.5, 2.7755575615628914e-17, 0.5]), ["-0.5", "0.0", "0.5"])
    }
}

// swift-format-ignore: AlwaysUseLowerCamelCase
/// Element by element within `accuracy`, and the same count (an XCTest-style overload for arrays).
func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
