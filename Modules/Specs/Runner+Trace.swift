import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `unroll trace`.
extension Runner {
    /// Traces one input through a bundle's model (or a spec's, built from its data and `weights`).
    public func trace(_ path: URL, input: String) throws -> Trace {
        var isDir: ObjCBool = false
        let model: Model
        let symbols: [String]
        let pipeline: TextPipeline?
        if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir), isDir.boolValue {
            let b = try ModelBundle.load(path, registry: registry)
            (model, symbols, pipeline) = (b.model, b.description.classes, b.pipeline)
            return try traceInput(
                model: model, symbols: symbols, pipeline: pipeline, form: b.description.form, input: input)
        }
        let spec = try SpecLoader(registry: registry).load(path)
        let data = try spec.prepareData()
        let m = try spec.buildModel(registry: registry, data: data, log: { _ in })
        try spec.loadInitialWeights(into: m)
        return try traceInput(
            model: m, symbols: data.classNames, pipeline: data.pipeline, form: data.form.rawValue, input: input)
    }

    func traceInput(model: Model, symbols: [String], pipeline: TextPipeline?, form: String, input: String) throws
        -> Trace
    {
        let ids: [Int]
        let shown: [String]
        switch form {
        case "characters":
            let index = Dictionary(uniqueKeysWithValues: symbols.enumerated().map { ($1, $0) })
            ids = try input.map { c in
                guard let i = index[String(c)] else {
                    throw TrainingError.invalid("'\(c)' is not in the model's alphabet")
                }
                return i
            }
            shown = input.map(String.init)
        case "texts", "tagged":
            guard let p = pipeline else { throw TrainingError.invalid("this model has no text pipeline") }
            shown = p.tokens(input)
            ids = p.vocabulary.encode(shown)
        default:
            throw TrainingError.invalid(
                "trace needs a sequence model (characters, texts or tagging); this one reads \(form) data")
        }
        return try Tracer.trace(model: model, ids: ids, inputs: shown, symbols: symbols)
    }
}
