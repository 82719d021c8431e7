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
        if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir), isDir.boolValue {
            let b = try loadBundle(path)
            if let t = try b.task.trace(b.model, input: input, symbols: b.description.classes, pipeline: b.pipeline) {
                return t
            }
            let (ids, shown) = try b.task.traceInput(input, symbols: b.description.classes, pipeline: b.pipeline)
            return try Tracer.trace(model: b.model, ids: ids, inputs: shown, symbols: b.description.classes)
        }
        let spec = try SpecLoader(registry: registry).load(path)
        let data = try spec.prepareData()
        let m = try spec.buildModel(registry: registry, data: data, log: { _ in })
        try spec.loadInitialWeights(into: m)
        if let t = try spec.task.trace(m, input: input, symbols: data.classNames, pipeline: data.pipeline) {
            return t
        }
        let (ids, shown) = try spec.task.traceInput(input, symbols: data.classNames, pipeline: data.pipeline)
        return try Tracer.trace(model: m, ids: ids, inputs: shown, symbols: data.classNames)
    }
}
