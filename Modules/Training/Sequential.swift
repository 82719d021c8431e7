import Tensors
import Layers

/// A stack of layers applied in order, built at run time from an array (so a spec file can
/// describe it), with Keras-style automatic names (`embedding_1`, `lstm_1`, `dense_1`, `dense_2`).
///
/// Shapes are per example (no batch axis): `inputShape` `[100]` for 100 token ids,
/// `[20, 300]` for 20 steps of 300-d vectors, `[64]` for 64 features.
///
/// ```swift
/// let model = try Sequential(inputShape: [100], layers: [
///     Embedding(inputDim: 1001, outputDim: 128), LSTM(units: 64),
///     Dense(units: 64, activation: .relu), Dense(units: 1, activation: .sigmoid)], seed: 42)
/// print(model.summary())      // 181,761 parameters
/// ```
public final class Sequential {
    /// The layers, in order, with unique names.
    public let layers: [any Layer]
    /// Per-example input shape.
    public let inputShape: [Int]
    /// Per-example output shape of each layer.
    public let layerOutputShapes: [[Int]]
    /// The model's name in summaries.
    public var name: String

    /// Names unnamed layers, infers every shape (throwing at the first layer that does not fit,
    /// naming it and its input), and builds the parameters from `seed`.
    public init(inputShape: [Int], layers: [any Layer], seed: UInt64 = 0, name: String = "sequential") throws {
        guard !layers.isEmpty else { throw ModelError.invalid("a model needs at least one layer") }
        let names = Sequential.layerNames(types: layers.map(\.typeName), given: layers.map { $0.name.isEmpty ? nil : $0.name })
        for (l, n) in zip(layers, names) { l.name = n }
        guard Set(names).count == layers.count else {
            throw ModelError.invalid("layer names must be unique: \(names)")
        }
        var shapes: [[Int]] = []
        var shape = inputShape
        var rng = SeededGenerator(seed: seed)
        for (i, l) in layers.enumerated() {
            let previous = i == 0 ? "the input" : layers[i - 1].name
            do {
                let out = try l.outputShape(for: shape)
                var layerRNG = rng.split()
                try l.build(inputShape: shape, rng: &layerRNG)
                shapes.append(out)
                shape = out
            } catch {
                throw ModelError.shape(layer: l.name, index: i, inputShape: shape, from: previous, underlying: "\(error)")
            }
        }
        self.layers = layers
        self.inputShape = inputShape
        self.layerOutputShapes = shapes
        self.name = name
    }

    /// Names for layers of the given types: a given name is kept, others get Keras-style
    /// `<snake_case type>_<n>` (`lstm_1`, `dense_2`, `simple_rnn_1`; plugins drop their namespace).
    public static func layerNames(types: [String], given: [String?]) -> [String] {
        var counts: [String: Int] = [:]
        var used = Set(given.compactMap { $0 })
        return zip(types, given).map { type, name in
            if let name { return name }
            let base = LayerConfigCoding.snakeCase(String(type.split(separator: ".").last ?? "layer"))
            var n: String
            repeat { counts[base, default: 0] += 1; n = "\(base)_\(counts[base]!)" } while used.contains(n)
            used.insert(n)
            return n
        }
    }

    /// Per-example output shape.
    public var outputShape: [Int] { layerOutputShapes.last ?? inputShape }

    /// Every parameter with its dotted name, in layer order. Found by reflection once, after
    /// `init` built every layer (layers hold their `Parameter` objects in `let` properties and
    /// change only their values), so a training step does not reflect over the model again.
    public var namedParameters: [(name: String, parameter: Parameter)] { cachedParameters }
    private lazy var cachedParameters: [(name: String, parameter: Parameter)] = layers.flatMap(\.namedParameters)

    /// The parameters an optimizer updates.
    public var trainableParameters: [(name: String, parameter: Parameter)] { namedParameters.filter { $0.parameter.trainable } }

    /// Runs every layer. The context's mask after the last layer is the output mask (if any).
    /// With `checkInputShape: false`, sequence inputs may have any length (generation feeds
    /// growing contexts to a model trained on fixed windows).
    public func forward(_ x: Tensor, context: inout ForwardContext, checkInputShape: Bool = true) throws -> Tensor {
        guard !checkInputShape || Array(x.shape.dropFirst()) == inputShape else {
            throw ModelError.shape(layer: layers[0].name, index: 0, inputShape: Array(x.shape.dropFirst()), from: "the data",
                                   underlying: "the model expects examples of shape \(inputShape) but the data has \(Array(x.shape.dropFirst()))")
        }
        var h = x
        for l in layers { h = try l.forward(h, context: &context) }
        return h
    }

    /// Outputs for `x` in batches, without recording anything (inference mode).
    public func predict(_ x: Tensor, batchSize: Int = 256) throws -> Tensor {
        guard batchSize > 0 else { throw ModelError.invalid("batch size must be positive") }
        let n = x.shape.first ?? 0
        return try withNoGrad {
            var parts: [Tensor] = []
            var start = 0
            while start < n {
                let len = min(batchSize, n - start)
                var ctx = ForwardContext(training: false)
                parts.append(try forward(x.slice(axis: 0, start: start, length: len), context: &ctx))
                start += len
            }
            return parts.count == 1 ? parts[0] : try Tensor.concat(parts, axis: 0)
        }
    }

    /// Clears the carried state of every stateful recurrent layer.
    public func resetStates() throws {
        for l in layers { if let r = l as? any RecurrentLayer { try r.resetStates(to: nil) } }
    }

    /// Looks up a layer by name.
    public func layer(named n: String) -> (any Layer)? { layers.first { $0.name == n } }
}

/// Errors about a model as a whole.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case shape(layer: String, index: Int, inputShape: [Int], from: String, underlying: String)

    public var description: String {
        switch self {
        case let .invalid(m): return m
        case let .shape(layer, index, inputShape, from, underlying):
            return "layer \(index) (\(layer)) cannot take [batch\(inputShape.map { ", \($0)" }.joined())] from \(from): \(underlying)"
        }
    }
}
