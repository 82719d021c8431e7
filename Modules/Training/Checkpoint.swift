import Foundation
import Layers
import Optimizers
import Tensors

/// Resumable training checkpoints.
///
/// Layout of a checkpoint folder:
/// ```
/// <dir>/latest.json                 {"checkpoint": "epoch-0003"}   (written atomically, last)
/// <dir>/epoch-0003/weights.safetensors     model parameters by dotted name
/// <dir>/epoch-0003/optimizer.safetensors   optimizer slots; metadata: type, iterations, learning_rate
/// <dir>/epoch-0003/state.json              epoch, history
/// <dir>/epoch-0003/callbacks.safetensors   state of resumable callbacks ("<key>/<name>"), when any
/// ```
/// Each file is written atomically into a fresh folder, and `latest.json` is switched only after
/// the folder is complete, so a run killed at any moment leaves the previous checkpoint intact.
public enum Checkpoint {
    struct State: Codable {
        var epoch: Int
        var history: History
    }

    /// Saves the model weights, optimizer state and progress after `epoch`.
    public static func save(trainer: Trainer, epoch: Int, history: History, to dir: URL) throws {
        let name = String(format: "epoch-%04d", epoch)
        let folder = dir.appendingPathComponent(name)
        try saveWeights(trainer.model, to: folder.appendingPathComponent("weights.safetensors"))
        try saveOptimizer(trainer.optimizer, to: folder.appendingPathComponent("optimizer.safetensors"))
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(
            try e.encode(State(epoch: epoch, history: history)), to: folder.appendingPathComponent("state.json"))
        var callbackState: [String: Tensor] = [:]
        for cb in trainer.resumableCallbacks {
            for (name, t) in cb.checkpointState(trainer: trainer) { callbackState[cb.checkpointKey + "/" + name] = t }
        }
        if !callbackState.isEmpty {
            try SafeTensors.write(
                callbackState, metadata: ["format": "unroll-callbacks"],
                to: folder.appendingPathComponent("callbacks.safetensors"))
        }
        try AtomicFile.write(
            try JSONSerialization.data(withJSONObject: ["checkpoint": name]),
            to: dir.appendingPathComponent("latest.json"))
        removeStaleFolders(in: dir, keeping: name)
    }

    /// Whether `name` is a checkpoint folder name this code writes: `epoch-` and at least four
    /// digits. Only such names are ever read from `latest.json` or removed.
    public static func isFolderName(_ name: String) -> Bool {
        guard name.hasPrefix("epoch-") else { return false }
        let digits = name.dropFirst(6)
        return digits.count >= 4 && digits.count <= 19 && digits.allSatisfy { ("0"..."9").contains($0) }
    }

    /// Removes the checkpoint folders of `dir` other than `name` (those of earlier epochs, or left
    /// by a run killed mid-save). Only direct children named like `isFolderName`, that are real
    /// folders (not links), are touched; anything else in `dir` stays.
    static func removeStaleFolders(in dir: URL, keeping name: String) {
        let fm = FileManager.default
        for child in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] where child != name && isFolderName(child) {
            let url = dir.appendingPathComponent(child)
            guard let attrs = try? fm.attributesOfItem(atPath: url.path),
                attrs[.type] as? FileAttributeType == .typeDirectory
            else { continue }
            try? fm.removeItem(at: url)
        }
    }

    /// The folder `latest.json` points to; the name must be one `save` writes (`epoch-0003`).
    public static func latest(in dir: URL) throws -> URL {
        let url = dir.appendingPathComponent("latest.json")
        guard let data = try? Data(contentsOf: url) else {
            throw CheckpointError.io(path: url.path, message: "no checkpoint here (latest.json is missing)")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let name = obj["checkpoint"] as? String
        else {
            throw CheckpointError.format(
                path: url.path, message: "latest.json must be {\"checkpoint\": \"epoch-NNNN\"}")
        }
        guard isFolderName(name) else {
            throw CheckpointError.format(
                path: url.path, message: "field 'checkpoint': '\(name)' is not a checkpoint folder name (epoch-NNNN)")
        }
        return dir.appendingPathComponent(name)
    }

    /// Restores weights and optimizer state from the latest checkpoint in `dir` and returns the
    /// completed epoch, to pass as `FitOptions.initialEpoch`, with the history and the callbacks'
    /// state (`FitOptions.initialHistory`, `initialCallbackState`).
    public static func resume(trainer: Trainer, from dir: URL) throws -> (
        epoch: Int, history: History, callbackState: [String: [String: Tensor]]
    ) {
        let folder = try latest(in: dir)
        try loadWeights(trainer.model, from: folder.appendingPathComponent("weights.safetensors"))
        try loadOptimizer(trainer.optimizer, from: folder.appendingPathComponent("optimizer.safetensors"))
        let stateURL = folder.appendingPathComponent("state.json")
        guard let data = try? Data(contentsOf: stateURL), let state = try? JSONDecoder().decode(State.self, from: data)
        else {
            throw CheckpointError.format(path: stateURL.path, message: "state.json is missing or malformed")
        }
        guard state.epoch >= 0, state.epoch == state.history.epochs.count else {
            throw CheckpointError.format(
                path: stateURL.path,
                message:
                    "field 'epoch': \(state.epoch) does not match the \(state.history.epochs.count) epochs of its history"
            )
        }
        var callbackState: [String: [String: Tensor]] = [:]
        let cbURL = folder.appendingPathComponent("callbacks.safetensors")
        if FileManager.default.fileExists(atPath: cbURL.path) {
            for (key, t) in try SafeTensors.read(cbURL).tensors {
                guard let slash = key.firstIndex(of: "/") else {
                    throw CheckpointError.format(
                        path: cbURL.path, message: "tensor '\(key)' is not named <callback>/<name>")
                }
                callbackState[String(key[..<slash]), default: [:]][String(key[key.index(after: slash)...])] = t
            }
        }
        return (state.epoch, state.history, callbackState)
    }

    /// The most optimizer steps a checkpoint may record (2^48: years of training at a microsecond
    /// a step); a larger count can only come from a damaged or hand-edited file.
    public static let maxIterations = 1 << 48

    /// Writes an optimizer's slots as safetensors; metadata: type, iterations, learning_rate.
    public static func saveOptimizer(_ optimizer: any Optimizer, to url: URL) throws {
        try SafeTensors.write(
            optimizer.state,
            metadata: [
                "type": type(of: optimizer).typeName,
                "iterations": String(optimizer.iterations),
                "learning_rate": String(optimizer.learningRate),
            ], to: url)
    }

    /// Restores an optimizer saved by `saveOptimizer`; the type must match.
    public static func loadOptimizer(_ optimizer: any Optimizer, from url: URL) throws {
        let (slots, meta) = try SafeTensors.read(url)
        guard meta["type"] == type(of: optimizer).typeName else {
            throw CheckpointError.format(
                path: url.path,
                message:
                    "saved by optimizer '\(meta["type"] ?? "?")' but this run uses '\(type(of: optimizer).typeName)'")
        }
        guard let it = meta["iterations"].flatMap(Int.init) else {
            throw CheckpointError.format(path: url.path, message: "metadata lacks iterations")
        }
        guard (0...maxIterations).contains(it) else {
            throw CheckpointError.format(
                path: url.path, message: "metadata 'iterations': \(it) is outside 0…\(maxIterations)")
        }
        try optimizer.restore(state: slots, iterations: it)
        if let lr = meta["learning_rate"].flatMap(Float.init) { optimizer.learningRate = lr }
    }

    /// Writes the model's parameters (dotted names) as safetensors, atomically.
    public static func saveWeights(_ model: Model, to url: URL) throws {
        var tensors: [String: Tensor] = [:]
        for (n, p) in model.namedParameters { tensors[n] = p.value }
        try SafeTensors.write(tensors, metadata: ["format": "unroll"], to: url)
    }

    /// Loads parameters into `model`; every parameter must be present with its exact shape.
    public static func loadWeights(_ model: Model, from url: URL) throws {
        let params = model.namedParameters
        let expected = Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.parameter.shape) })
        let (tensors, _) = try SafeTensors.read(url, expected: expected)
        for (n, _) in params where tensors[n]!.withUnsafeBufferPointer({ $0.contains { !$0.isFinite } }) {
            throw CheckpointError.tensor(
                path: url.path, name: n, message: "holds NaN or infinite values; these weights cannot be used")
        }
        for (n, p) in params { try p.assign(tensors[n]!, name: n) }
    }
}
