import Foundation
import XCTest

/// The kill test (issue "Reliability"): `unroll train` with checkpoints, replacing an earlier
/// bundle, is killed with SIGKILL just before and just after file renames
/// (`UNROLL_KILL_AT_RENAME`) and at random moments. After every kill the folder must hold a
/// bundle that loads (the earlier one or the new one, never a mix), and `--resume` must end with
/// the bits of an uninterrupted run.
///
/// CI runs a sample: every `UNROLL_KILL_STRIDE`-th rename point (default 3) and
/// `UNROLL_KILL_RANDOM` random kills (default 4). `UNROLL_KILL_STRIDE=1 UNROLL_KILL_RANDOM=30`
/// runs every point (docs/guarantees.md has the counts).
final class KillTests: XCTestCase {
    let fm = FileManager.default

    /// `unroll` in `dir` (`runUnroll`): the exit status, or the signal negated, and standard error.
    func unroll(_ args: [String], in dir: URL, env: [String: String] = [:], killAfter: Double? = nil) throws -> (
        status: Int32, err: String
    ) {
        let r = try runUnroll(args, in: dir, env: env, killAfter: killAfter)
        return (r.code, r.err)
    }

    func setUp(in dir: URL) throws -> URL {
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(String(repeating: "hello world, hold the line. ", count: 12).utf8).write(
            to: dir.appendingPathComponent("text.txt"))
        let spec = dir.appendingPathComponent("run.yaml")
        try Data(
            """
            name: run
            seed: 3
            data: {source: characters, path: text.txt}
            windows: {length: 8, stride: 4}
            model:
              - {type: OneHot}
              - {type: SimpleRNN, units: 16, return_sequences: true}
              - {type: Dense, units: 13}
            loss: {type: sparse_categorical_crossentropy, from_logits: true}
            optimizer: {type: adam, learning_rate: 0.01}
            batch_size: 8
            epochs: 3
            callbacks: [{type: model_checkpoint}]
            verbosity: quiet
            output: out
            """.utf8
        ).write(to: spec)
        return spec
    }

    func env(_ key: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[key].flatMap(Int.init) ?? fallback
    }

    func testKilledRunsLeaveALoadableBundleAndResumeToTheSameBits() throws {
        let root = fm.temporaryDirectory.appendingPathComponent("unroll-kill-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        // The uninterrupted run.
        let clean = root.appendingPathComponent("clean")
        _ = try setUp(in: clean)
        var r = try unroll(["train", "run.yaml"], in: clean)
        XCTAssertEqual(r.status, 0, r.err)
        let want = try Data(contentsOf: clean.appendingPathComponent("out/weights.safetensors"))
        // The starting point of every trial: a bundle from the same spec after 2 epochs (its
        // checkpoint continued to epoch 3 gives the same bits), to be replaced by a 3-epoch run.
        let base = root.appendingPathComponent("base")
        _ = try setUp(in: base)
        r = try unroll(["train", "run.yaml", "--epochs", "2"], in: base)
        XCTAssertEqual(r.status, 0, r.err)
        let earlier = try Data(contentsOf: base.appendingPathComponent("out/weights.safetensors"))

        func trial(_ name: String, env: [String: String], killAfter: Double? = nil) throws -> Bool {
            let dir = root.appendingPathComponent(name)
            try fm.copyItem(at: base, to: dir)
            let first = try unroll(["train", "run.yaml", "--overwrite"], in: dir, env: env, killAfter: killAfter)
            let killed = first.status == -SIGKILL
            XCTAssertTrue(killed || first.status == 0, "\(name): \(first.err)")
            // Whatever the moment, a bundle that loads: the earlier one or the new one.
            let now = try Data(contentsOf: dir.appendingPathComponent("out/weights.safetensors"))
            XCTAssertTrue(
                now == earlier || now == want, "\(name): the bundle's weights are neither the earlier nor the new run's"
            )
            let summary = try unroll(["summary", "out"], in: dir)
            XCTAssertEqual(summary.status, 0, "\(name): the bundle left by the kill does not load: \(summary.err)")
            if killed {
                let resumed = try unroll(["train", "run.yaml", "--resume"], in: dir)
                XCTAssertEqual(resumed.status, 0, "\(name): resume failed: \(resumed.err)")
            }
            XCTAssertEqual(
                try Data(contentsOf: dir.appendingPathComponent("out/weights.safetensors")), want,
                "\(name): resumed weights differ")
            let left = try fm.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
            XCTAssertEqual(left, [], "\(name): left behind \(left)")
            try? fm.removeItem(at: dir)
            return killed
        }
        let stride = max(1, env("UNROLL_KILL_STRIDE", 3))
        var point = 1
        var kills = 0
        while try trial("rename-\(point)", env: ["UNROLL_KILL_AT_RENAME": String(point)]) {
            kills += 1
            point += stride
        }
        XCTAssertGreaterThan(kills, 3, "too few rename points were reached")
        var g = SystemRandomNumberGenerator()
        var randomKills = 0
        for i in 0..<env("UNROLL_KILL_RANDOM", 4) {
            // A run here takes about 0.1–0.3 s: most delays land inside it.
            if try trial("random-\(i)", env: [:], killAfter: Double.random(in: 0.02...0.3, using: &g)) {
                randomKills += 1
            }
        }
        print(
            "kill test: \(kills) runs killed at rename points 1, \(1 + stride), … (stride \(stride)); \(randomKills) of \(env("UNROLL_KILL_RANDOM", 4)) killed at random moments"
        )
    }
}
