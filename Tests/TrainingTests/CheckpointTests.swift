import Foundation
import Layers
import Optimizers
import Tensors
import Training
import XCTest

final class CheckpointTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func makeModel(seed: UInt64) throws -> Sequential { try SmallSequenceProblem.model(seed: seed) }
    func data() throws -> (Tensor, Tensor) { try SmallSequenceProblem.data() }

    func testSaveLoadGivesIdenticalPredictions() throws {
        let m = try makeModel(seed: 1)
        let (x, _) = try data()
        let url = dir.appendingPathComponent("w.safetensors")
        try Checkpoint.saveWeights(m, to: url)
        let m2 = try makeModel(seed: 99)
        XCTAssertNotEqual(try m.predict(x).scalars, try m2.predict(x).scalars)
        try Checkpoint.loadWeights(m2, from: url)
        XCTAssertEqual(try m.predict(x).scalars, try m2.predict(x).scalars)
        // Python-readable layout: 8-byte length, JSON header naming the dotted parameters.
        let bytes = try Data(contentsOf: url)
        let n = Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + n))) as! [String: Any]
        XCTAssertEqual((header["gru_1.recurrent_kernel"] as! [String: Any])["shape"] as! [Int], [6, 18])
        XCTAssertEqual((header["gru_1.recurrent_kernel"] as! [String: Any])["dtype"] as! String, "F32")
    }

    func testKillAndResumeGivesTheSameFinalWeights() throws {
        let (x, y) = try data()
        func options(_ epochs: Int) -> FitOptions {
            var o = FitOptions()
            o.epochs = epochs
            o.batchSize = 8
            o.seed = 11
            o.verbosity = .quiet
            o.schedule = LearningRateSchedule(initial: 0.02, kind: .cosine(steps: 30, minFraction: 0.1))
            return o
        }
        let full = Trainer(
            model: try makeModel(seed: 4), loss: SparseCategoricalCrossEntropy(fromLogits: true),
            optimizer: Adam(learningRate: 0.02))
        try full.fit(x: x, y: y, options: options(5))

        // "killed" after epoch 2: a checkpoint every epoch, stop at 2.
        let first = Trainer(
            model: try makeModel(seed: 4), loss: SparseCategoricalCrossEntropy(fromLogits: true),
            optimizer: Adam(learningRate: 0.02))
        var o = options(2)
        o.callbacks = [ModelCheckpoint(directory: dir)]
        try first.fit(x: x, y: y, options: o)
        // a new process: fresh model (other init), restore, continue to 5.
        let resumed = Trainer(
            model: try makeModel(seed: 77), loss: SparseCategoricalCrossEntropy(fromLogits: true),
            optimizer: Adam(learningRate: 0.02))
        let (epoch, _, _) = try Checkpoint.resume(trainer: resumed, from: dir)
        XCTAssertEqual(epoch, 2)
        var o2 = options(5)
        o2.initialEpoch = epoch
        try resumed.fit(x: x, y: y, options: o2)
        XCTAssertEqual(
            full.model.namedParameters.flatMap { $0.parameter.value.scalars },
            resumed.model.namedParameters.flatMap { $0.parameter.value.scalars })
        // only the newest checkpoint folder is kept
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("epoch-") }
        XCTAssertEqual(folders, ["epoch-0002"])
    }

    func testCorruptFilesGiveClearErrorsNamingTheProblem() throws {
        let m = try makeModel(seed: 1)
        let url = dir.appendingPathComponent("w.safetensors")
        try Checkpoint.saveWeights(m, to: url)
        let good = try Data(contentsOf: url)
        func expectError(_ data: Data, _ needle: String, line: UInt = #line) {
            let bad = dir.appendingPathComponent("bad-\(line).safetensors")
            try! data.write(to: bad)
            XCTAssertThrowsError(try Checkpoint.loadWeights(m, from: bad), line: line) { e in
                XCTAssertTrue("\(e)".contains(needle), "\(e) should mention \(needle)", line: line)
                XCTAssertTrue("\(e)".contains(bad.path), "\(e) should name the file", line: line)
            }
        }
        let n = Int(good.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        var header = String(data: good.subdata(in: 8..<(8 + n)), encoding: .utf8)!
        func withHeader(_ h: String) -> Data {
            var hd = Data(h.utf8)
            while hd.count < n { hd.append(0x20) }
            var len = UInt64(hd.count).littleEndian
            return Data(bytes: &len, count: 8) + hd + good.suffix(from: 8 + n)
        }
        expectError(good.prefix(5), "not a valid safetensors file: file is 5 bytes, shorter than the 8-byte")
        expectError(good.prefix(8 + n + 10), "outside the")  // truncated data
        var huge = good
        huge.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Data($0) })
        expectError(huge, "runs past the end")
        expectError(withHeader("{not json" + String(repeating: " ", count: 10)), "not a JSON object")
        expectError(withHeader(header.replacingOccurrences(of: "\"F32\"", with: "\"F16\"")), "unsupported dtype F16")
        expectError(withHeader(header.replacingOccurrences(of: "gru_1.bias", with: "gru_1.biaz")), "gru_1.bias")
        header = header.replacingOccurrences(of: "\"shape\":[18]", with: "\"shape\":[9,2]")
        expectError(withHeader(header), "shape [9, 2]")
        // overlapping offsets: point the first tensor's data at the second one's
        let dec = try SafeTensors.decode(good)
        var t = dec.tensors
        t["extra"] = Tensor([1, 2])
        expectError(try SafeTensors.encode(t), "extra")
    }

    /// A shape whose byte count overflows is an error, not an arithmetic trap.
    func testShapeWhoseByteCountOverflowsIsRejected() throws {
        let h = #"{"a":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,8]}}"#
        var d = Data()
        var len = UInt64(h.utf8.count).littleEndian
        d.append(Data(bytes: &len, count: 8))
        d.append(Data(h.utf8))
        d.append(Data(count: 8))
        XCTAssertThrowsError(try SafeTensors.decode(d)) { e in XCTAssertTrue("\(e)".contains("needs more"), "\(e)") }
    }

    func testOverlappingOffsetsAreRejected() throws {
        let h =
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        var d = Data()
        var len = UInt64(h.utf8.count).littleEndian
        d.append(Data(bytes: &len, count: 8))
        d.append(Data(h.utf8))
        d.append(Data(count: 12))
        XCTAssertThrowsError(try SafeTensors.decode(d)) { e in XCTAssertTrue("\(e)".contains("overlaps"), "\(e)") }
    }

    func testAtomicWriteLeavesNoTemporaryFilesAndReplacesWhole() throws {
        let url = dir.appendingPathComponent("f.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        try AtomicFile.write(Data([4]), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data([4]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["f.bin"])
    }

    /// Trains two epochs with a checkpoint each; returns the trainer.
    func trainWithCheckpoints(epochs: Int = 2) throws -> Trainer {
        let (x, y) = try data()
        let t = Trainer(
            model: try makeModel(seed: 4), loss: SparseCategoricalCrossEntropy(fromLogits: true), optimizer: Adam())
        var o = FitOptions()
        o.epochs = epochs
        o.batchSize = 16
        o.verbosity = .quiet
        o.callbacks = [ModelCheckpoint(directory: dir)]
        try t.fit(x: x, y: y, options: o)
        return t
    }

    /// Issue: `{"checkpoint": ".."}` made the next save remove the output folder's files. A name
    /// read from `latest.json` must be one `save` writes, and a save removes nothing else.
    func testLatestJSONCannotPointOutsideAndSaveRemovesOnlyCheckpointFolders() throws {
        let t = try trainWithCheckpoints()
        let fm = FileManager.default
        let user = dir.appendingPathComponent("important.txt")
        let notes = dir.appendingPathComponent("notes")
        try Data("keep".utf8).write(to: user)
        try fm.createDirectory(at: notes, withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("epoch-notes"), withIntermediateDirectories: true)
        for name in ["..", ".", "", "../x", "epoch-12", "epoch-00a1", "/etc", "epoch-0001/.."] {
            try JSONSerialization.data(withJSONObject: ["checkpoint": name]).write(
                to: dir.appendingPathComponent("latest.json"))
            XCTAssertThrowsError(try Checkpoint.latest(in: dir), "'\(name)'") { e in
                XCTAssertTrue("\(e)".contains("latest.json") && "\(e)".contains("checkpoint"), "\(e)")
            }
            try Checkpoint.save(trainer: t, epoch: 3, history: History(), to: dir)
            XCTAssertTrue(fm.fileExists(atPath: user.path), "'\(name)' removed a user's file")
            XCTAssertTrue(fm.fileExists(atPath: notes.path), "'\(name)' removed a user's folder")
            XCTAssertTrue(fm.fileExists(atPath: dir.appendingPathComponent("epoch-notes").path))
            XCTAssertEqual(try Checkpoint.latest(in: dir).lastPathComponent, "epoch-0003")
        }
        // A symbolic link named like a checkpoint is not followed or removed.
        let outside = dir.appendingPathComponent("notes/kept.txt")
        try Data("x".utf8).write(to: outside)
        try fm.createSymbolicLink(at: dir.appendingPathComponent("epoch-0009"), withDestinationURL: notes)
        try Checkpoint.save(trainer: t, epoch: 4, history: History(), to: dir)
        XCTAssertTrue(fm.fileExists(atPath: outside.path))
        XCTAssertEqual(
            try fm.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("epoch-0") }.sorted(),
            ["epoch-0004", "epoch-0009"])
    }

    /// Issue: `epoch: -3` or `2^63-1` in `state.json`, or `iterations: 2^63-1`, trapped on resume.
    func testResumeRefusesImpossibleEpochAndIterations() throws {
        _ = try trainWithCheckpoints()
        let folder = try Checkpoint.latest(in: dir)
        let stateURL = folder.appendingPathComponent("state.json")
        let good = try Data(contentsOf: stateURL)
        func resumed() throws {
            _ = try Checkpoint.resume(
                trainer: Trainer(
                    model: try makeModel(seed: 1), loss: SparseCategoricalCrossEntropy(), optimizer: Adam()), from: dir)
        }
        for bad in ["-3", "9223372036854775807", "5"] {
            var obj = try JSONSerialization.jsonObject(with: good) as! [String: Any]
            obj["epoch"] = Int(bad)!
            try JSONSerialization.data(withJSONObject: obj).write(to: stateURL)
            XCTAssertThrowsError(try resumed()) { e in
                XCTAssertTrue("\(e)".contains("'epoch': \(bad)") && "\(e)".contains("state.json"), "\(e)")
            }
        }
        try good.write(to: stateURL)
        XCTAssertNoThrow(try resumed())
        let optURL = folder.appendingPathComponent("optimizer.safetensors")
        let (slots, meta) = try SafeTensors.read(optURL)
        for bad in [Int.max, -1] {
            try SafeTensors.write(slots, metadata: meta.merging(["iterations": String(bad)]) { $1 }, to: optURL)
            XCTAssertThrowsError(try resumed()) { e in XCTAssertTrue("\(e)".contains("'iterations': \(bad)"), "\(e)") }
        }
    }

    /// As Python's safetensors: a header length one byte short (every tensor shifted a byte, and
    /// it loaded: a test loss of 5.6e37), a gap, or a tensor not at the start is refused.
    func testHeaderLengthOffByOneAndGapsAreRefused() throws {
        let m = try makeModel(seed: 1)
        let url = dir.appendingPathComponent("w.safetensors")
        try Checkpoint.saveWeights(m, to: url)
        var data = try Data(contentsOf: url)
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: (n - 1).littleEndian) { Data($0) })
        XCTAssertThrowsError(try SafeTensors.decode(data)) { e in
            XCTAssertTrue("\(e)".contains("not fully covered"), "\(e)")
        }
        func file(_ h: String, data bytes: Int) -> Data {
            var d = Data()
            var len = UInt64(h.utf8.count).littleEndian
            d.append(Data(bytes: &len, count: 8))
            d.append(Data(h.utf8))
            d.append(Data(count: bytes))
            return d
        }
        let gap =
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        XCTAssertThrowsError(try SafeTensors.decode(file(gap, data: 12))) { e in
            XCTAssertTrue("\(e)".contains("gap") && "\(e)".contains("'b'"), "\(e)")
        }
        let late = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        XCTAssertThrowsError(try SafeTensors.decode(file(late, data: 8))) { e in
            XCTAssertTrue("\(e)".contains("starts at byte 4"), "\(e)")
        }
        let exact = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        XCTAssertEqual(try SafeTensors.decode(file(exact, data: 8)).tensors["a"]?.scalars, [0, 0])
    }

    /// Weights holding NaN or infinity are refused at load, naming the tensor.
    func testNonFiniteWeightsAreRefusedAtLoad() throws {
        let m = try makeModel(seed: 1)
        var tensors: [String: Tensor] = [:]
        for (n, p) in m.namedParameters { tensors[n] = p.value }
        var bad = tensors["gru_1.bias"]!
        bad.withUnsafeMutableBufferPointer { $0[3] = .nan }
        tensors["gru_1.bias"] = bad
        let url = dir.appendingPathComponent("nan.safetensors")
        try SafeTensors.write(tensors, to: url)
        XCTAssertThrowsError(try Checkpoint.loadWeights(m, from: url)) { e in
            XCTAssertTrue("\(e)".contains("gru_1.bias") && "\(e)".contains("NaN or infinite"), "\(e)")
        }
    }
}
