import Foundation
import PluginRegistry
import Tensors
import Layers
import Training
import TextPipeline

/// What a bundle says about its model, written as `model.json`.
public struct ModelDescription: Codable {
    public struct LayerRecord: Codable { public var type: String; public var name: String; public var config: JSONValue }
    public var name: String
    public var inputShape: [Int]
    public var layers: [LayerRecord]
    /// `texts`, `numeric`, `characters` or `tagged`.
    public var form: String
    public var loss: String
    public var lossConfig: JSONValue
    /// Class names, tag names, or the alphabet.
    public var classes: [String]
    public var perStep: Bool
    /// The spec the model was trained from (absolute path), for re-reading its data.
    public var specFile: String
}

/// A trained model folder:
/// ```
/// spec.yaml            the spec as written        model.json          architecture, classes, loss
/// weights.safetensors  parameters (dotted names)  optimizer.safetensors  optimizer state (resume)
/// pipeline.json        text pipeline (texts)      vocabulary.txt      the vocabulary, one token a line
/// history.csv/.json    per-epoch figures          metrics.json        the test report
/// ```
public struct ModelBundle {
    public let directory: URL
    public var description: ModelDescription
    public var model: Sequential
    public var pipeline: TextPipeline?

    /// Writes every file atomically.
    public static func save(to dir: URL, spec: Spec, specText: String, model: Sequential, data: PreparedData, trainer: Trainer) throws {
        let layers = try model.layers.map { l in
            ModelDescription.LayerRecord(type: l.typeName, name: l.name, config: try JSONDecoder().decode(JSONValue.self, from: l.configJSON()))
        }
        let lossConfig = JSONValue.object(spec.loss.config.compactMapValues { v in
            (try? JSONSerialization.data(withJSONObject: v, options: .fragmentsAllowed)).flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }
        })
        let d = ModelDescription(name: spec.name, inputShape: model.inputShape, layers: layers, form: data.form.rawValue, loss: spec.loss.name,
                                 lossConfig: lossConfig, classes: data.classNames, perStep: data.perStep, specFile: spec.file.path)
        let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]; e.keyEncodingStrategy = .convertToSnakeCase
        try AtomicFile.write(Data(specText.utf8), to: dir.appendingPathComponent("spec.yaml"))
        try AtomicFile.write(try e.encode(d), to: dir.appendingPathComponent("model.json"))
        try Checkpoint.saveWeights(model, to: dir.appendingPathComponent("weights.safetensors"))
        try Checkpoint.saveOptimizer(trainer.optimizer, to: dir.appendingPathComponent("optimizer.safetensors"))
        if let p = data.pipeline {
            let pe = JSONEncoder(); pe.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try pe.encode(p), to: dir.appendingPathComponent("pipeline.json"))
            try p.vocabulary.save(to: dir.appendingPathComponent("vocabulary.txt"))
        }
    }

    /// Reads a bundle and rebuilds its model through the registry.
    public static func load(_ dir: URL, registry: Registry) throws -> ModelBundle {
        let mj = dir.appendingPathComponent("model.json")
        guard let data = FileManager.default.contents(atPath: mj.path) else {
            throw CheckpointError.io(path: mj.path, message: "not a model bundle (model.json is missing)")
        }
        let dec = JSONDecoder(); dec.keyDecodingStrategy = .convertFromSnakeCase
        let d: ModelDescription
        do { d = try dec.decode(ModelDescription.self, from: data) } catch { throw CheckpointError.format(path: mj.path, message: "not a valid model description: \(error)") }
        let layers = try d.layers.map { r -> any Layer in
            guard case .object = r.config, let obj = r.config.foundationObject as? [String: Any] else {
                throw CheckpointError.format(path: mj.path, message: "layer \(r.name) has no config object")
            }
            return try registry.make(.layer, r.type, config: obj, instanceName: r.name, as: (any Layer).self)
        }
        let model = try Sequential(inputShape: d.inputShape, layers: layers, seed: 0, name: d.name)
        try Checkpoint.loadWeights(model, from: dir.appendingPathComponent("weights.safetensors"))
        let pj = dir.appendingPathComponent("pipeline.json")
        let pipeline = FileManager.default.fileExists(atPath: pj.path) ? try TextPipeline.load(from: pj, resolve: registry.textPartResolver) : nil
        return ModelBundle(directory: dir, description: d, model: model, pipeline: pipeline)
    }
}
