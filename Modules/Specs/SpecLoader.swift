import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// Reads and validates a spec file before any data is read: unknown keys, wrong value types,
/// missing fields, unknown plugin names (with suggestions), and shapes through the whole model.
/// All problems found are reported together, each with `file:line:column`.
public struct SpecLoader {
    public let registry: Registry
    public init(registry: Registry) { self.registry = registry }

    static let topKeys = [
        "name", "seed", "data", "task", "split", "windows", "text", "model", "graph", "loss", "optimizer", "schedule",
        "metrics", "batch_size", "bucket_by_length", "epochs", "clipping", "ema", "callbacks", "output",
        "verbosity", "weights",
    ]

    public func load(_ url: URL, overrides: [SpecOverride] = []) throws -> Spec {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SpecErrors([SpecIssue(file: url.path, line: 1, column: 1, message: "cannot read the spec file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecErrors([
                SpecIssue(file: url.path, line: 1, column: 1, message: "the spec file is not valid UTF-8")
            ])
        }
        return try load(text: text, file: url, overrides: overrides)
    }

    /// Parses, applies `overrides` (`--set`), validates.
    public func load(text: String, file: URL, overrides: [SpecOverride] = []) throws -> Spec {
        var root = try SpecParser.parse(text, file: file.path)
        for o in overrides { root = try o.apply(to: root, file: file.path) }
        var v = Validator(file: file.path, registry: registry)
        guard let pairs = v.map(root, "the spec") else { throw SpecErrors(v.issues) }
        v.checkKeys(pairs, allowed: SpecLoader.topKeys, section: "top level")
        for required in ["data", "loss"] where root[required] == nil {
            v.issue(root, "missing required key '\(required)'")
        }
        switch (root["model"], root["graph"]) {
        case (nil, nil): v.issue(root, "missing required key 'model' (a list of layers) or 'graph' (nodes with inputs)")
        case (_?, let g?): v.issue(g, "give either 'model' or 'graph', not both")
        default: break
        }
        let name = v.string(root, "name") ?? file.deletingPathExtension().lastPathComponent
        if let n = root["name"], !BundleManifest.isPlainName(name) || name.hasPrefix(".") {
            v.issue(
                n,
                "name '\(name)' must be a plain name (no '/', not starting with '.'): without 'output' it names the folder runs/<name>"
            )
        }
        if let o = root["output"], v.string(root, "output")?.isEmpty == true {
            v.issue(o, "output must name a folder for the bundle, e.g. runs/\(name)")
        }
        let seed = UInt64(max(0, v.int(root, "seed", min: 0) ?? 0))
        let dataSpec = root["data"].flatMap { v.data($0) }
        let task = dataSpec.flatMap { v.task(root["task"], data: $0) }
        let split = root["split"].map { v.split($0) } ?? SplitSpec()
        let windows = root["windows"].flatMap { v.windows($0) }
        let text = root["text"].flatMap { v.text($0) }
        let loss = root["loss"].flatMap { v.plugin($0, .loss, what: "loss") }
        let optimizer =
            root["optimizer"].flatMap { v.plugin($0, .optimizer, what: "optimizer") }
            ?? PluginRef(name: "adam", config: [:], node: root)
        let schedule = root["schedule"].flatMap { v.plugin($0, .schedule, what: "schedule") }
        var metrics = task?.task.defaultMetrics ?? ["accuracy"]
        if let m = root["metrics"] {
            if let list = v.list(m, "metrics") {
                metrics = list.compactMap { item -> String? in
                    guard let s = v.stringValue(item, "a metric name") else { return nil }
                    if !registry.contains(.metric, s) {
                        v.issue(
                            item,
                            "\(RegistryError.unknown(kind: .metric, name: s, suggestions: Registry.suggestions(for: s, among: registry.names(.metric))))"
                        )
                        return nil
                    }
                    return s
                }
            }
        }
        let batchSize = v.int(root, "batch_size", min: 1) ?? 32
        let bucketByLength = v.bool(root, "bucket_by_length") ?? false
        let epochs = v.int(root, "epochs", min: 0) ?? 1
        let clipping = root["clipping"].map { v.clipping($0) } ?? .none
        let averagingMomentum = root["ema"].flatMap { v.ema($0) }
        let callbacks =
            root["callbacks"].flatMap { v.list($0, "callbacks") }?.compactMap {
                v.plugin($0, .callback, what: "callback")
            } ?? []
        let output =
            v.string(root, "output").map {
                $0.hasPrefix("/")
                    ? URL(fileURLWithPath: $0)
                    : file.deletingLastPathComponent().appendingPathComponent($0).standardizedFileURL
            }
            ?? file.deletingLastPathComponent().appendingPathComponent("runs/\(name)").standardizedFileURL
        var verbosity = Verbosity.auto
        if let vn = root["verbosity"] {
            if let s = v.stringValue(vn, "auto, bar, epochs or quiet"), let parsed = Verbosity(rawValue: s) {
                verbosity = parsed
            } else {
                v.issue(vn, "verbosity must be auto, bar, epochs or quiet")
            }
        }
        let layers = root["model"].map { v.layers($0) } ?? root["graph"].map { v.graph($0) } ?? []
        let weights = v.string(root, "weights").map {
            $0.hasPrefix("/")
                ? URL(fileURLWithPath: $0)
                : file.deletingLastPathComponent().appendingPathComponent($0).standardizedFileURL
        }

        // Shapes through the model, with what the data section says about the input.
        if let dataSpec, let task, !layers.isEmpty {
            let sections = TaskSections(text: text, windows: windows)
            if root["graph"] != nil {
                v.checkGraph(layers, task: task.task, sections: sections, loss: loss, dataNode: dataSpec.node)
            } else {
                v.checkModel(layers, task: task.task, sections: sections, loss: loss, dataNode: dataSpec.node)
            }
        }
        guard v.issues.isEmpty, let dataSpec, let loss, let task else {
            if v.issues.isEmpty { v.issue(root, "the data or loss section could not be read") }
            throw SpecErrors(v.issues)
        }
        return Spec(
            file: file, name: name, seed: seed, data: dataSpec, task: task.task, taskName: task.name,
            taskConfig: task.config, split: split, windows: windows, text: text,
            layers: layers,
            loss: loss, optimizer: optimizer, schedule: schedule, metrics: metrics, batchSize: batchSize,
            bucketByLength: bucketByLength, epochs: epochs,
            clipping: clipping, averagingMomentum: averagingMomentum, callbacks: callbacks, output: output,
            verbosity: verbosity, weights: weights, root: root
        )
    }
}
