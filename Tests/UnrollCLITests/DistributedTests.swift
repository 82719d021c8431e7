import Foundation
import Training
import XCTest

/// Data-parallel training over MPI (issue "Train on many machines"): `mpirun -np 2 unroll train` on
/// localhost against one process, a rank that fails, a rank that dies, and resuming with another
/// number of ranks. Skipped, with the reason, where `mpirun` is not installed (`Tools/install-deps.sh`
/// installs Open MPI; CI runs these).
final class DistributedTests: XCTestCase {
    let fm = FileManager.default

    func mpirun() throws -> String {
        for dir in ["/usr/bin", "/usr/local/bin"] where fm.isExecutableFile(atPath: dir + "/mpirun") {
            return dir + "/mpirun"
        }
        throw XCTSkip("mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev, or Tools/install-deps.sh)")
    }

    /// `mpirun -np n unroll args` in `dir`, as root if need be, with a deadline: a hung job fails the
    /// test instead of the suite.
    func job(_ n: Int, _ args: [String], in dir: URL, env: [String: String] = [:], deadline: Double = 240) throws -> (
        code: Int32, out: String, err: String, seconds: Double
    ) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try mpirun())
        p.arguments = ["--oversubscribe", "--allow-run-as-root", "-np", "\(n)", try unrollBinary().path] + args
        p.currentDirectoryURL = dir
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let out = fm.temporaryDirectory.appendingPathComponent("mpi-\(UUID().uuidString).out")
        let err = fm.temporaryDirectory.appendingPathComponent("mpi-\(UUID().uuidString).err")
        fm.createFile(atPath: out.path, contents: nil)
        fm.createFile(atPath: err.path, contents: nil)
        defer { for u in [out, err] { try? fm.removeItem(at: u) } }
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        let t0 = Date()
        try p.run()
        while p.isRunning && Date().timeIntervalSince(t0) < deadline { usleep(50_000) }
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
            XCTFail("mpirun -np \(n) \(args.joined(separator: " ")) did not end within \(deadline) s")
        }
        p.waitUntilExit()
        return (
            p.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            (try? String(contentsOf: err, encoding: .utf8)) ?? "", Date().timeIntervalSince(t0)
        )
    }

    /// A tagging run: per-step losses under a mask (padded sentences of different lengths), batch 15
    /// (shards of 8 and 7 rows), validation, Adam, checkpoints.
    func setUp(in dir: URL, epochs: Int = 3) throws {
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(
            tinyTaggingSpec(
                name: "tags", seed: 5, learningRate: 0.01,
                extra: "batch_size: 15\nepochs: \(epochs)\ncallbacks: [{type: model_checkpoint}]"
            ).utf8
        ).write(to: dir.appendingPathComponent("run.yaml"))
    }

    /// The largest difference between two bundles' weights, relative to the largest weight.
    func relativeDifference(_ a: URL, _ b: URL) throws -> Double {
        let x = try SafeTensors.read(a.appendingPathComponent("weights.safetensors")).tensors
        let y = try SafeTensors.read(b.appendingPathComponent("weights.safetensors")).tensors
        XCTAssertEqual(Set(x.keys), Set(y.keys))
        var diff = 0.0
        var scale = 0.0
        for (k, t) in x {
            guard let u = y[k] else { continue }
            for (p, q) in zip(t.scalars, u.scalars) {
                diff = max(diff, Double(abs(p - q)))
                scale = max(scale, Double(abs(q)))
            }
        }
        return diff / max(scale, 1e-30)
    }

    /// A bundle's `history.json`: one dictionary of figures per epoch.
    func history(_ bundle: URL) throws -> [[String: Double]] {
        let data = try Data(contentsOf: bundle.appendingPathComponent("history.json"))
        let object = try JSONSerialization.jsonObject(with: data)
        let epochs = (object as? [[String: Any]]) ?? ((object as? [String: Any])?["epochs"] as? [[String: Any]]) ?? []
        return epochs.map { $0.compactMapValues { ($0 as? NSNumber)?.doubleValue } }
    }

    func root() -> URL { fm.temporaryDirectory.appendingPathComponent("unroll-mpi-\(UUID().uuidString)") }

    func testTwoRanksMatchOneProcessWithTheWholeBatch() throws {
        _ = try mpirun()
        let dir = root()
        defer { try? fm.removeItem(at: dir) }
        let one = dir.appendingPathComponent("one")
        let two = dir.appendingPathComponent("two")
        try setUp(in: one)
        try setUp(in: two)
        let single = try runUnroll(["train", "run.yaml"], in: one)
        XCTAssertEqual(single.code, 0, single.err)
        let r = try job(2, ["train", "run.yaml"], in: two)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(r.out.contains("data-parallel over 2 processes"), r.out)
        // Only rank 0 prints: one test report, one bundle line.
        XCTAssertEqual(r.out.components(separatedBy: "bundle: ").count - 1, 1, r.out)
        let d = try relativeDifference(two.appendingPathComponent("out"), one.appendingPathComponent("out"))
        XCTAssertLessThanOrEqual(d, 1e-5, "2 ranks × 7–8 rows against 1 process × 15 rows after 3 epochs")
        // The logged losses and summed metrics agree too.
        let h1 = try history(one.appendingPathComponent("out"))
        let h2 = try history(two.appendingPathComponent("out"))
        XCTAssertEqual(h1.count, 3)
        XCTAssertEqual(h2.count, 3)
        for (a, b) in zip(h1, h2) {
            for key in ["loss", "accuracy", "macro_f1", "val_loss", "val_accuracy"] {
                let (x, y) = (try XCTUnwrap(a[key], key), try XCTUnwrap(b[key], key))
                XCTAssertEqual(x, y, accuracy: 1e-4 * max(1, abs(x)), key)
            }
        }
        // The same seed and N give the same weights, run to run.
        let again = dir.appendingPathComponent("again")
        try setUp(in: again)
        XCTAssertEqual(try job(2, ["train", "run.yaml"], in: again).code, 0)
        XCTAssertEqual(
            try Data(contentsOf: again.appendingPathComponent("out/weights.safetensors")),
            try Data(contentsOf: two.appendingPathComponent("out/weights.safetensors")))
    }

    func testAFailingRankEndsTheJobWithItsMessage() throws {
        _ = try mpirun()
        let dir = root()
        defer { try? fm.removeItem(at: dir) }
        try setUp(in: dir, epochs: 1)
        XCTAssertEqual(try runUnroll(["train", "run.yaml"], in: dir).code, 0)
        // Rank 0 refuses to replace the bundle; rank 1, already waiting for it, must not hang.
        let r = try job(2, ["train", "run.yaml"], in: dir, deadline: 60)
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("error (rank 0 of 2):"), r.err)
        XCTAssertTrue(r.err.contains("add --overwrite"), r.err)
    }

    func testAStatefulLayerIsRefusedBeforeTraining() throws {
        _ = try mpirun()
        let dir = root()
        defer { try? fm.removeItem(at: dir) }
        try setUp(in: dir, epochs: 1)
        let spec = dir.appendingPathComponent("run.yaml")
        let text = try String(contentsOf: spec, encoding: .utf8)
            .replacingOccurrences(
                of: "units: 8, return_sequences: true", with: "units: 8, return_sequences: true, stateful: true")
        try Data(text.utf8).write(to: spec)
        let r = try job(2, ["train", "run.yaml"], in: dir, deadline: 60)
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("is stateful"), r.err)
        XCTAssertFalse(fm.fileExists(atPath: dir.appendingPathComponent("out").path))
    }

    func testADeadRankEndsTheJobAndAnyNumberOfRanksResumes() throws {
        _ = try mpirun()
        let dir = root()
        defer { try? fm.removeItem(at: dir) }
        let clean = dir.appendingPathComponent("clean")
        try setUp(in: clean, epochs: 4)
        XCTAssertEqual(try job(2, ["train", "run.yaml"], in: clean).code, 0)
        for (name, ranks) in [("same", 2), ("other", 1)] {
            let run = dir.appendingPathComponent(name)
            try setUp(in: run, epochs: 4)
            // Rank 0 kills itself (SIGKILL) around a rename during epoch 2's checkpoint.
            let killed = try job(2, ["train", "run.yaml"], in: run, env: ["UNROLL_KILL_AT_RENAME": "19"], deadline: 60)
            XCTAssertNotEqual(killed.code, 0, "the job must end when a rank dies")
            XCTAssertFalse(fm.fileExists(atPath: run.appendingPathComponent("out").path))
            let staging = run.appendingPathComponent(".out.unroll-run/checkpoints/latest.json")
            XCTAssertTrue(fm.fileExists(atPath: staging.path), "a checkpoint to resume from")
            let resumed: (code: Int32, out: String, err: String)
            if ranks > 1 {
                let r = try job(ranks, ["train", "run.yaml", "--resume"], in: run)
                resumed = (r.code, r.out, r.err)
            } else {
                resumed = try runUnroll(["train", "run.yaml", "--resume"], in: run)
            }
            XCTAssertEqual(resumed.code, 0, resumed.err)
            XCTAssertTrue(resumed.out.contains("resuming after epoch"), resumed.out)
            let d = try relativeDifference(run.appendingPathComponent("out"), clean.appendingPathComponent("out"))
            XCTAssertLessThanOrEqual(d, 1e-5, "resumed with \(ranks) rank(s)")
        }
    }
}
