import PluginRegistry
import Tensors

/// Runs a recurrent layer over the sequence in both directions and merges the two outputs.
///
/// The wrapped layer is given as a config object with its `type` (`SimpleRNN`, `LSTM`, `GRU`):
/// ```yaml
/// - type: Bidirectional
///   layer: {type: LSTM, units: 32, return_sequences: true}
///   merge_mode: concat
/// ```
/// The backward copy has `go_backwards` flipped; with `return_sequences` its output is reversed
/// back so step t of both directions lines up (as in Keras). Shapes: like the wrapped layer, with
/// the last axis doubled for `concat`. Parameters: two independent copies,
/// `<name>.forward_layer.*` and `<name>.backward_layer.*`.
///
/// ```swift
/// let bi = try Bidirectional("LSTM", ["units": .number(32), "return_sequences": .bool(true)], mergeMode: .concat)
/// var rng = SeededGenerator(seed: 1)
/// try bi.build(inputShape: [20, 50], rng: &rng)            // [time, features] → [20, 64]; 2 × 10,624 parameters
/// ```
public final class Bidirectional: Layer {
    /// How the two directions' outputs are combined.
    public enum MergeMode: String, Codable, CaseIterable, Sendable { case concat, sum, mul, ave }

    public struct Config: LayerConfig {
        /// The wrapped recurrent layer: its `type` and config fields.
        public var layer: JSONValue = .object(["type": .string("LSTM"), "units": .number(1)])
        public var mergeMode = MergeMode.concat
        public init() {}
        public static var requiredFields: [String] { ["layer"] }
    }

    public static let typeName = "Bidirectional"
    /// The directions are named `<name>.forward_layer` / `<name>.backward_layer` (diagnostics).
    public var name: String {
        didSet {
            forwardLayer.name = "\(name).forward_layer"
            backwardLayer.name = "\(name).backward_layer"
        }
    }
    public let config: Config
    public let forwardLayer: any RecurrentLayer
    public let backwardLayer: any RecurrentLayer

    /// Makes one direction: the layer type, its config fields (snake_case) and an instance name.
    public typealias LayerMaker = (_ type: String, _ fields: [String: Any], _ name: String) throws -> any RecurrentLayer

    /// Wraps one of Unroll's recurrent layers (SimpleRNN, LSTM, GRU).
    public convenience init(config: Config, name: String = "") throws {
        try self.init(config: config, name: name, makeLayer: Bidirectional.builtinMaker(layer: name))
    }

    /// Wraps any recurrent layer `makeLayer` can build (the registry passes one that knows the
    /// plugins). The backward copy gets the same fields with `go_backwards` flipped.
    public init(config: Config, name: String, makeLayer: LayerMaker) throws {
        guard case .object(var obj) = config.layer, case .string(let type)? = obj["type"] else {
            throw LayerError.config(
                layer: name, field: "layer", message: "must be an object with a 'type' (a recurrent layer such as LSTM)"
            )
        }
        obj["type"] = nil
        var fields = JSONValue.object(obj).foundationObject as? [String: Any] ?? [:]
        let f: any RecurrentLayer
        do { f = try makeLayer(type, fields, "\(name).forward_layer") } catch let e as LayerError { throw e } catch {
            throw LayerError.config(layer: name, field: "layer", message: "\(error)")
        }
        fields["go_backwards"] = !f.config.goBackwards
        forwardLayer = f
        backwardLayer = try makeLayer(type, fields, "\(name).backward_layer")
        self.config = config
        self.name = name
    }

    static func builtinMaker(layer name: String) -> LayerMaker {
        { type, fields, instance in
            func make<L: RecurrentLayer>(_: L.Type) throws -> any RecurrentLayer {
                try L(config: try LayerConfigCoding.decode(L.Config.self, from: fields), name: instance)
            }
            switch type {
            case SimpleRNN.typeName: return try make(SimpleRNN.self)
            case LSTM.typeName: return try make(LSTM.self)
            case GRU.typeName: return try make(GRU.self)
            default:
                throw LayerError.config(
                    layer: name, field: "layer.type",
                    message: "'\(type)' is not a recurrent layer (SimpleRNN, LSTM, GRU, or a registered plugin)")
            }
        }
    }

    /// Wraps a recurrent layer type with the given config fields (snake_case).
    public convenience init(
        _ type: String, _ fields: [String: JSONValue], mergeMode: MergeMode = .concat, name: String = ""
    ) throws {
        var c = Config()
        c.layer = .object(fields.merging(["type": .string(type)]) { a, _ in a })
        c.mergeMode = mergeMode
        try self.init(config: c, name: name)
    }

    /// Both directions' buffers.
    public func workingScalars(inputShape: [Int]) -> Int {
        let (sum, overflow) = forwardLayer.workingScalars(inputShape: inputShape).addingReportingOverflow(
            backwardLayer.workingScalars(inputShape: inputShape))
        return overflow ? .max : sum
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        var s: [Int]
        do { s = try forwardLayer.outputShape(for: inputShape) } catch {
            throw LayerError.shape(layer: name, message: "\(error)")
        }
        if config.mergeMode == .concat { s[s.count - 1] *= 2 }
        return s
    }

    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {
        try forwardLayer.build(inputShape: inputShape, rng: &rng)
        try backwardLayer.build(inputShape: inputShape, rng: &rng)
    }

    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        try runBothWays(input, context: &context).output
    }

    /// Both directions on `input` and their merged output (the backward sequence put back in
    /// input order), with each direction's result (its final states).
    func runBothWays(_ input: Tensor, context: inout ForwardContext) throws -> (
        output: Tensor, forward: RecurrentOutput, backward: RecurrentOutput
    ) {
        let mask = context.mask
        let fr = try forwardLayer.call(input, initialState: nil, context: &context)
        context.mask = mask
        let br = try backwardLayer.call(input, initialState: nil, context: &context)
        let f = fr.output
        var b = br.output
        let sequences = f.rank == 3
        if sequences { b = try b.reversed(axis: 1) }
        context.mask = sequences ? mask : nil
        let merged: Tensor
        switch config.mergeMode {
        case .concat: merged = try Tensor.concat([f, b], axis: -1)
        case .sum: merged = try f + b
        case .mul: merged = try f * b
        case .ave: merged = try (f + b).scaled(by: 0.5)
        }
        return (merged, fr, br)
    }
}
