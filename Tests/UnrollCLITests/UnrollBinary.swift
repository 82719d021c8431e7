import Foundation
import XCTest

/// The `unroll` executable next to the test bundle (both are built by `swift build --build-tests`);
/// skips the test when it is not there.
func unrollBinary() throws -> URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let u = candidate.appendingPathComponent("unroll")
        if FileManager.default.isExecutableFile(atPath: u.path) { return u }
    }
    throw XCTSkip("the unroll executable is not built next to the tests (\(dir.path)); run swift build first")
}

/// Runs `unroll` with `args` (in `dir`, with `env` added, `stdin` written to its input) and waits;
/// `killAfter` sends SIGKILL after that many seconds if it is still running. Returns the exit
/// status — or the signal negated (-9 for SIGKILL) — and what it printed on each stream.
func runUnroll(
    _ args: [String], in dir: URL? = nil, env: [String: String] = [:], stdin: String? = nil,
    killAfter: Double? = nil
) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = try unrollBinary()
    p.arguments = args
    if let dir { p.currentDirectoryURL = dir }
    p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    if let killAfter {
        DispatchQueue.global().asyncAfter(deadline: .now() + killAfter) {
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
    }
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    final class Box: @unchecked Sendable { var data = Data() }
    let o = Box()
    let reader = DispatchGroup()
    // both streams drain at once
    DispatchQueue.global().async(group: reader) { o.data = out.fileHandleForReading.readDataToEndOfFile() }
    let e = err.fileHandleForReading.readDataToEndOfFile()
    reader.wait()
    p.waitUntilExit()
    let code = p.terminationReason == .uncaughtSignal ? -p.terminationStatus : p.terminationStatus
    return (code, String(decoding: o.data, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// A small tagging run on `Examples/data/tiny-pos.tsv` (400 synthetic sentences): Embedding(8,
/// masked) → LSTM(8) over every step → softmax over the 10 tags, Adam, a validation split; `extra`
/// lines (batch size, epochs, callbacks, …) follow. The bundle goes to `out`.
func tinyTaggingSpec(name: String, seed: Int, learningRate: Double, extra: String) -> String {
    let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/data/tiny-pos.tsv")
    return """
        name: \(name)
        seed: \(seed)
        data: {source: tagging, path: \(corpus.path)}
        text: {steps: [lowercase], sequence_length: 12}
        split: {test: 0.2, validation: 0.2}
        model:
          - {type: Embedding, output_dim: 8, mask_zero: true}
          - {type: LSTM, units: 8, return_sequences: true}
          - {type: Dense, units: 10, activation: softmax}
        loss: sparse_categorical_crossentropy
        optimizer: {type: adam, learning_rate: \(learningRate)}
        metrics: [accuracy, macro_f1]
        output: out

        """ + extra + "\n"
}
