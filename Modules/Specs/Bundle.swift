import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// What a bundle says about its model, written as `model.json`.
public struct ModelDescription: Codable {
    public struct LayerRecord: Codable {
        public var type: String
        public var name: String
        public var config: JSONValue
    }
    public var name: String
    public var inputShape: [Int]
    public var layers: [LayerRecord]
    /// The data's form (`texts`, `numeric`, `characters`, `tagged`, or a plugin's).
    public var form: String
    public var loss: String
    public var lossConfig: JSONValue
    /// Class names, tag names, or the alphabet.
    public var classes: [String]
    public var perStep: Bool
    /// One call of a layer in a graph: the node's name, the layer it calls, what it reads.
    public struct NodeRecord: Codable {
        public var name: String
        public var layer: String
        public var inputs: [String]
    }
    /// A graph's nodes in order (nil for a chain: `layers` in order).
    public var nodes: [NodeRecord]? = nil
    /// The spec's `data` section (the source's name under `source`, and its fields), so a
    /// prediction reads a typed line the way training read the file (a numeric source's `scale`).
    public var source: JSONValue? = nil
    /// The task's registry name (absent in older bundles: the default task for `form`).
    public var task: String? = nil
    /// The task's fields as the spec gave them.
    public var taskConfig: JSONValue? = nil
    /// The input's named parts (a packed input), absent for one input.
    public var inputParts: [Model.InputPart]? = nil
    /// What the task fitted on the training data (`PreparedData.taskState`).
    public var taskState: JSONValue? = nil
}

/// A trained model folder, self-contained (it names no path outside itself) and relocatable:
/// ```
/// manifest.json        every file below: size, SHA-256 (written last; checked by every reader)
/// spec.yaml            the spec as written        model.json          architecture, classes, loss
/// weights.safetensors  parameters (dotted names)  optimizer.safetensors  optimizer state (resume)
/// pipeline.json        text pipeline (texts)      vocabulary.txt      the vocabulary, one token a line
/// test.safetensors     the encoded test split (x, y) that `evaluate BUNDLE` scores
/// history.csv/.json    per-epoch figures          metrics.json        the test report
/// checkpoints/         resumable checkpoints (with a model_checkpoint callback)
/// ```
/// A bundle is written into a staging folder and swapped in whole (`RunFolder`).
public struct ModelBundle {
    public let directory: URL
    public var description: ModelDescription
    public var model: Model
    public var pipeline: TextPipeline?
    /// What the model was trained to do (reads its inputs for `predict`, `trace`, `generate`).
    public var task: any LearningTask

    /// The encoded test split's file.
    public static let testFile = "test.safetensors"

    /// Writes the bundle's files into `dir` (a run's staging folder; `RunFolder.publish` adds the
    /// manifest and swaps it in).
    public static func save(
        to dir: URL, spec: Spec, specText: String, model: Model, data: PreparedData, trainer: Trainer
    ) throws {
        let layers = try model.layers.map { l in
            ModelDescription.LayerRecord(
                type: l.typeName, name: l.name, config: try JSONDecoder().decode(JSONValue.self, from: l.configJSON()))
        }
        func json(_ config: [String: Any]) -> JSONValue {
            .object(
                config.compactMapValues { v in
                    (try? JSONSerialization.data(withJSONObject: v, options: .fragmentsAllowed)).flatMap {
                        try? JSONDecoder().decode(JSONValue.self, from: $0)
                    }
                })
        }
        let lossConfig = json(spec.loss.config)
        let d = ModelDescription(
            name: spec.name, inputShape: model.inputShape, layers: layers, form: data.form.rawValue,
            loss: spec.loss.name,
            lossConfig: lossConfig, classes: data.classNames, perStep: data.perStep,
            nodes: model.isChain
                ? nil
                : model.nodes.map { n in
                    .init(
                        name: n.name, layer: n.layer.name,
                        inputs: model.inputNames(of: n))
                },
            source: try? JSONDecoder().decode(
                JSONValue.self, from: JSONSerialization.data(withJSONObject: spec.data.node.foundation)),
            task: spec.taskName, taskConfig: json(spec.taskConfig),
            inputParts: model.inputParts.isEmpty ? nil : model.inputParts, taskState: data.taskState)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        try AtomicFile.write(Data(specText.utf8), to: dir.appendingPathComponent("spec.yaml"))
        try AtomicFile.write(try e.encode(d), to: dir.appendingPathComponent("model.json"))
        try Checkpoint.saveWeights(model, to: dir.appendingPathComponent("weights.safetensors"))
        try Checkpoint.saveOptimizer(trainer.optimizer, to: dir.appendingPathComponent("optimizer.safetensors"))
        if data.xTest.shape.first ?? 0 > 0 {
            var split = ["x": data.xTest, "y": data.yTest]
            if let r = data.testReference, r.shape.first == data.xTest.shape.first { split["reference"] = r }
            try SafeTensors.write(
                split, metadata: ["format": "unroll-test-split"], to: dir.appendingPathComponent(testFile))
        }
        if let p = data.pipeline {
            let pe = JSONEncoder()
            pe.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try pe.encode(p), to: dir.appendingPathComponent("pipeline.json"))
            try p.vocabulary.save(to: dir.appendingPathComponent("vocabulary.txt"))
        }
    }

    /// An error about a `--task KEY=VALUE` setting, positioned as `SpecOverride` positions its own.
    static func taskSettingIssue(_ message: String) -> SpecErrors {
        SpecErrors([SpecIssue(file: "--task", line: 1, column: 1, message: message)])
    }

    /// Reads a bundle and rebuilds its model through the registry, after checking its manifest.
    /// `settings` change task fields for this load only (`beam_width=4`: decode with a wider
    /// beam than the spec's); the bundle on disk is not touched. An unknown field or a value of
    /// the wrong type is an error naming it.
    public static func load(_ dir: URL, registry: Registry, settings: [SpecOverride] = []) throws -> ModelBundle {
        try BundleManifest.read(in: dir)?.verify(in: dir)
        let mj = dir.appendingPathComponent("model.json")
        guard let data = FileManager.default.contents(atPath: mj.path) else {
            throw CheckpointError.io(path: mj.path, message: "not a model bundle (model.json is missing)")
        }
        let dec = JSONDecoder()
        dec.keyDecodingStrategy = .convertFromSnakeCase
        let d: ModelDescription
        do { d = try dec.decode(ModelDescription.self, from: data) } catch {
            throw CheckpointError.format(path: mj.path, message: "not a valid model description: \(error)")
        }
        try d.checkClasses(path: mj.path)
        var taskConfig = d.taskConfig?.foundationObject as? [String: Any] ?? [:]
        for o in settings {
            guard o.path.count == 1, d.task != nil else {
                throw CheckpointError.format(
                    path: mj.path,
                    message:
                        "--task \(o.key): a setting is one field of the bundle's task (\(d.task ?? "none recorded"))")
            }
            taskConfig[o.path[0]] = try SpecParser.parse(o.valueText.isEmpty ? "\"\"" : o.valueText, file: "--task")
                .foundation
        }
        let task: any LearningTask
        do {
            if let name = d.task {
                task = try registry.make(.task, name, config: taskConfig, as: (any LearningTask).self)
            } else {
                task = try registry.defaultTask(for: DataForm(d.form)).task
            }
        } catch ConfigError.invalidValue(let field, let message) where settings.contains(where: { $0.path == [field] })
        {
            throw taskSettingIssue("'\(field)' \(message)")
        } catch { throw CheckpointError.format(path: mj.path, message: "field 'task': \(error)") }
        if let fixed = settings.first(where: { !task.runSettings.contains($0.path[0]) }) {
            let changeable =
                task.runSettings.isEmpty ? "nothing for this task" : task.runSettings.joined(separator: ", ")
            throw taskSettingIssue(
                "'\(fixed.path[0])' was fixed when the bundle was trained; --task changes \(changeable)")
        }
        let layers = try d.layers.map { r -> any Layer in
            guard case .object = r.config, let obj = r.config.foundationObject as? [String: Any] else {
                throw CheckpointError.format(path: mj.path, message: "layer \(r.name) has no config object")
            }
            do {
                return try registry.make(.layer, r.type, config: obj, instanceName: r.name, as: (any Layer).self)
            } catch { throw CheckpointError.format(path: mj.path, message: "field 'layers': \(error)") }
        }
        let weightsURL = dir.appendingPathComponent("weights.safetensors")
        let weightBytes = (try? FileManager.default.attributesOfItem(atPath: weightsURL.path)[.size] as? Int) ?? nil
        guard let weightBytes else {
            throw CheckpointError.io(path: weightsURL.path, message: "missing: the bundle has no weights")
        }
        let model: Model
        do {
            model = try Parameter.withBudget(scalars: weightBytes / 4, source: "weights file (\(weightBytes) bytes)") {
                guard let records = d.nodes else {
                    return try Sequential(inputShape: d.inputShape, layers: layers, seed: 0, name: d.name)
                }
                let byName = Dictionary(layers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                let nodes = try records.map { r -> Model.NodeSpec in
                    guard let l = byName[r.layer] else {
                        throw ModelError.invalid(
                            "field 'nodes': node \(r.name) calls layer '\(r.layer)', which 'layers' does not list")
                    }
                    return Model.NodeSpec(l, inputs: r.inputs, name: r.name)
                }
                return try Model(
                    inputShape: d.inputShape, nodes: nodes, inputParts: d.inputParts ?? [], seed: 0, name: d.name)
            }
        } catch {
            throw CheckpointError.format(
                path: mj.path, message: "the model it describes does not fit its weights: \(error)")
        }
        if let problem = task.checkClasses(d.classes, outputs: model.outputShape.last ?? 1) {
            throw CheckpointError.format(path: mj.path, message: "field 'classes': \(problem)")
        }
        try Checkpoint.loadWeights(model, from: weightsURL)
        let pj = dir.appendingPathComponent("pipeline.json")
        let pipeline =
            FileManager.default.fileExists(atPath: pj.path)
            ? try TextPipeline.load(from: pj, resolve: registry.textPartResolver) : nil
        let vt = dir.appendingPathComponent("vocabulary.txt")
        if let pipeline, FileManager.default.fileExists(atPath: vt.path),
            try Vocabulary.load(from: vt).tokens != pipeline.vocabulary.tokens
        {
            throw CheckpointError.format(
                path: vt.path, message: "does not match the vocabulary in pipeline.json; the bundle was edited")
        }
        return ModelBundle(directory: dir, description: d, model: model, pipeline: pipeline, task: task)
    }

    /// The loss the model was trained with, made from `model.json` through the registry.
    public func loss(registry: Registry) throws -> any Loss {
        try registry.make(
            .loss, description.loss, config: description.lossConfig.foundationObject as? [String: Any] ?? [:],
            as: (any Loss).self)
    }

    /// The test split stored at training time (`x`, `y`), or nil for a bundle without one.
    public func testSplit() throws -> (x: Tensor, y: Tensor)? {
        try testSplitWithReference().map { ($0.x, $0.y) }
    }

    /// The test split with the task's reference numbers (`PreparedData.testReference`) when stored.
    public func testSplitWithReference() throws -> (x: Tensor, y: Tensor, reference: Tensor?)? {
        let url = directory.appendingPathComponent(Self.testFile)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let t = try SafeTensors.read(url).tensors
        guard let x = t["x"], let y = t["y"], x.shape.first == y.shape.first else {
            throw CheckpointError.format(
                path: url.path, message: "must hold tensors 'x' and 'y' with the same number of rows")
        }
        if let r = t["reference"], r.shape.first != x.shape.first {
            throw CheckpointError.format(
                path: url.path, message: "tensor 'reference' has \(r.shape.first ?? 0) rows, 'x' \(x.shape.first ?? 0)")
        }
        return (x, y, t["reference"])
    }
}

extension ModelDescription {
    /// `classes` must be distinct non-empty names (Swift compares strings canonically, so
    /// precomposed "é" and "e" + combining accent are the same name), one character each for a
    /// character model; `input_shape` extents must be positive.
    func checkClasses(path: String) throws {
        var seen: Set<String> = []
        for (i, c) in classes.enumerated() {
            guard !c.isEmpty else {
                throw CheckpointError.format(path: path, message: "field 'classes': entry \(i) is empty")
            }
            guard seen.insert(c).inserted else {
                throw CheckpointError.format(
                    path: path,
                    message: "field 'classes': '\(c)' (entry \(i)) appears twice (or an equal spelling does)")
            }
        }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 && $0 <= 1 << 31 }) else {
            throw CheckpointError.format(
                path: path, message: "field 'input_shape': \(inputShape) must list positive sizes")
        }
    }
}
