import Foundation
import XCTest

/// `Tools/bundle_to_torch.py` loads bundles into PyTorch's `nn.LSTM`, `nn.GRU`, `nn.RNN` and
/// `nn.Linear` and checks the outputs agree with Unroll's (docs/bundle-format.md). Runs where a
/// Python with torch is found: `UNROLL_TORCH_PYTHON`, else `python3`; skipped otherwise.
final class InteropTests: XCTestCase {
    let fm = FileManager.default
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func torchPython() throws -> String {
        let python = ProcessInfo.processInfo.environment["UNROLL_TORCH_PYTHON"] ?? "python3"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", "import torch, numpy"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw XCTSkip(
                "no Python with torch and numpy (\(python)); set UNROLL_TORCH_PYTHON to one (pip install torch numpy)")
        }
        return python
    }

    /// Trains `spec` in `dir` and runs the script on its bundle: its exit status and output.
    func check(_ spec: String, in dir: URL, python: String) throws -> (Int32, String) {
        try Data(spec.utf8).write(to: dir.appendingPathComponent("run.yaml"))
        let r = try runUnroll(["train", "run.yaml", "--quiet"], in: dir)
        XCTAssertEqual(r.code, 0, r.err)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            python, repo.appendingPathComponent("Tools/bundle_to_torch.py").path,
            dir.appendingPathComponent("out").path,
            "--unroll", try unrollBinary().path, "--tolerance", "1e-5",
        ]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    func testBundlesLoadIntoPyTorchWithTheSameOutputs() throws {
        let python = try torchPython()
        let root = fm.temporaryDirectory.appendingPathComponent("unroll-torch-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        let corpus = repo.appendingPathComponent("Examples/data/tiny-pos.tsv").path
        // Per-step tags through a bidirectional GRU over masked, padded sentences (GRU's gate order,
        // both biases, the backward direction's reversal within each row's length).
        let tagging = root.appendingPathComponent("tagging")
        try fm.createDirectory(at: tagging, withIntermediateDirectories: true)
        var (code, text) = try check(
            """
            seed: 2
            data: {source: tagging, path: \(corpus)}
            text: {steps: [lowercase], sequence_length: 12}
            split: {test: 0.2}
            model:
              - {type: Embedding, output_dim: 8, mask_zero: true}
              - {type: Bidirectional, layer: {type: GRU, units: 6, return_sequences: true}}
              - {type: Dense, units: 10, activation: softmax}
            loss: sparse_categorical_crossentropy
            optimizer: {type: adam, learning_rate: 0.01}
            batch_size: 16
            epochs: 2
            output: out
            """, in: tagging, python: python)
        XCTAssertEqual(code, 0, text)
        XCTAssertTrue(text.contains("agree"), text)
        // Many-to-one: an LSTM's state after each row's last real step, then Dense layers.
        let classify = root.appendingPathComponent("classify")
        try fm.createDirectory(at: classify, withIntermediateDirectories: true)
        let words = ["good", "great", "fine", "bad", "awful", "poor", "film", "plot", "the", "was"]
        var rows = "label\ttext\n"
        for i in 0..<80 {
            let n = 2 + i % 6
            let text = (0..<n).map { words[(i * 7 + $0 * 3) % words.count] }.joined(separator: " ")
            rows += "\(i % 2 == 0 ? "pos" : "neg")\t\(text)\n"
        }
        try Data(rows.utf8).write(to: classify.appendingPathComponent("texts.tsv"))
        (code, text) = try check(
            """
            seed: 3
            data: {source: delimited, path: texts.tsv, text_column: text, label_column: label}
            text: {sequence_length: 10}
            split: {test: 0.25}
            model:
              - {type: Embedding, output_dim: 8, mask_zero: true}
              - {type: LSTM, units: 8}
              - {type: Dense, units: 8, activation: relu}
              - {type: Dense, units: 1, activation: sigmoid}
            loss: binary_crossentropy
            optimizer: {type: adam, learning_rate: 0.01}
            batch_size: 8
            epochs: 2
            output: out
            """, in: classify, python: python)
        XCTAssertEqual(code, 0, text)
        XCTAssertTrue(text.contains("agree"), text)
    }
}
