import Foundation
import Tensors

/// Attention (Keras's `Attention` and `AdditiveAttention`): each step of a query sequence (a
/// decoder's outputs) reads a weighted average of a value sequence (an encoder's outputs), the
/// weights a softmax over the value steps of a score — Luong's (dot, general) or Bahdanau's
/// (additive).
///
/// ```
/// s_ij = q_i · v_j                    (score: dot;   ÷ √H with scale: true)
/// s_ij = q_i · W · v_j                (score: general, W [H, H])
/// s_ij = wᵀ tanh(q_i W_q + v_j W_v)   (score: additive, W_q, W_v [H, units], w [units])
/// a_ij = softmax_j(s_ij)      (value steps whose mask is 0 get weight 0)
/// c_i  = Σ_j a_ij v_j
/// ```
/// Inputs `[query [batch, Tq, H], values [batch, Tv, H]]` in a graph; output the contexts
/// `[batch, Tq, H]`, with the query's mask. Backward from the ops: `∂c/∂a = v`, `∂c/∂v = aᵀ`,
/// softmax's Jacobian, `∂s/∂q = v` (`·Wᵀ`), `∂s/∂v = q` (`·W`), `∂s/∂W = qᵀ v`.
/// `general`'s `W` starts Glorot-uniform `U(−√(6/2H), √(6/2H))`, `additive`'s matrices
/// Glorot-uniform too. Additive scores hold a `[batch, Tq, Tv, units]` tensor. A Luong decoder then joins
/// context and query (`Concatenate`) and a `Dense` reads both.
///
/// ```swift
/// let att = try Attention(score: .general)
/// try att.build(inputShape: [5, 8], rng: &rng)                          // the query's shape
/// let c = try att.forward([q, v], masks: [nil, vMask], context: &ctx)    // [batch, 5, 8]
/// ```
/// A layer that keeps the attention weights of its last inference call, `[batch, Tq, Tv]`, for
/// `trace`.
public protocol ExposesAttentionWeights: Layer {
    var lastWeights: Tensor? { get }
}

public final class Attention: MultiInputLayer, ExposesAttentionWeights {
    /// How a query step and a value step are scored.
    public enum Score: String, Codable, CaseIterable, Sendable { case dot, general, additive }
    public struct Config: LayerConfig {
        public var score = Score.dot
        /// Divide dot scores by √H (scaled dot-product attention).
        public var scale = false
        /// The additive score's hidden size (0: H).
        public var units = 0
        public init() {}
    }
    public static let typeName = "Attention"
    /// Query step t's context reads query step t and every value step: the queries step, the
    /// values are read whole.
    public var stepping: Stepping { .pointwise(stepped: [0]) }
    public var name: String
    public let config: Config
    /// `[H, H]` (`general`), or the query's `W_q` `[H, units]` (`additive`).
    public let kernel = Parameter()
    /// The values' `W_v` `[H, units]` (`additive` only).
    public let valueKernel = Parameter()
    /// `w` `[units, 1]` (`additive` only).
    public let scoreVector = Parameter()
    /// The attention weights `[batch, Tq, Tv]` of the last inference call (for `trace`).
    public private(set) var lastWeights: Tensor?

    public init(config: Config = Config(), name: String = "") throws {
        guard config.units >= 0 else {
            throw LayerError.config(layer: name, field: "units", message: "must be ≥ 0, got \(config.units)")
        }
        self.config = config
        self.name = name
    }

    public convenience init(score: Score, scale: Bool = false, name: String = "") throws {
        var c = Config()
        c.score = score
        c.scale = scale
        try self.init(config: c, name: name)
    }

    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] {
        guard shapes.count == 2 else {
            throw LayerError.shape(layer: name, message: "takes [query, values], given \(shapes.count) inputs")
        }
        let (q, v) = (shapes[0], shapes[1])
        guard q.count == 2, v.count == 2, q[1] == v[1] else {
            throw LayerError.shape(
                layer: name,
                message:
                    "takes a query [batch, Tq, H] and values [batch, Tv, H] with one H, given \(Self.render(q)) and \(Self.render(v))"
            )
        }
        return q
    }

    static func render(_ s: [Int]) -> String { "[batch\(s.map { ", \($0)" }.joined())]" }

    /// Creates the score's parameters from the query's shape `[Tq, H]`.
    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {
        guard let h = inputShape.last else { return }
        switch config.score {
        case .dot: break
        case .general: try kernel.initialize([h, h], layer: name) { Tensor.glorotUniform($0, using: &rng) }
        case .additive:
            let u = config.units > 0 ? config.units : h
            try kernel.initialize([h, u], layer: name) { Tensor.glorotUniform($0, using: &rng) }
            try valueKernel.initialize([h, u], layer: name) { Tensor.glorotUniform($0, using: &rng) }
            try scoreVector.initialize([u, 1], layer: name) { Tensor.glorotUniform($0, using: &rng) }
        }
    }

    public func merge(_ inputs: [Tensor], context: inout ForwardContext) throws -> Tensor {
        try attend(inputs[0], inputs[1], valueMask: nil, context: &context)
    }

    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext) throws -> Tensor {
        _ = try outputShape(forInputs: inputs.map { Array($0.shape.dropFirst()) })
        let c = try attend(inputs[0], inputs[1], valueMask: masks.count > 1 ? masks[1] : nil, context: &context)
        context.mask = masks.first ?? nil
        return c
    }

    func attend(_ q: Tensor, _ v: Tensor, valueMask: Tensor?, context: inout ForwardContext) throws -> Tensor {
        try attend(q, keys(v, valueMask: valueMask), context: &context)
    }

    /// The values as every query step reads them: what the score multiplies the queries with and
    /// the mask's bias. A decoder that attends once per step (`AttentionLSTM`) makes them once.
    struct Keys {
        /// `[B, Tv, H]`: the values themselves (`dot`), `v · Wᵀ` (`general`), or `v · W_v`
        /// `[B, 1, Tv, units]` (`additive`).
        let keys: Tensor
        /// `[B, Tv, H]`, averaged by the weights.
        let values: Tensor
        /// `[B, 1, Tv]`: −10⁹ at masked value steps, 0 elsewhere (a constant, no gradient).
        let maskBias: Tensor?
    }

    func keys(_ v: Tensor, valueMask: Tensor?) throws -> Keys {
        let k: Tensor
        switch config.score {
        case .dot:
            k = v
        case .general:
            guard kernel.count > 0 else { throw LayerError.notBuilt(layer: name) }
            k = try v.matmulLastAxis(kernel.value.transposed())  // (q W) · v = q · (v Wᵀ)
        case .additive:
            guard kernel.count > 0 else { throw LayerError.notBuilt(layer: name) }
            k = try v.matmulLastAxis(valueKernel.value).reshaped([v.shape[0], 1, v.shape[1], valueKernel.shape[1]])
        }
        var bias: Tensor?
        if let m = valueMask {
            guard m.shape == [v.shape[0], v.shape[1]] else {
                throw LayerError.shape(layer: name, message: "values mask \(m.shape) does not fit values \(v.shape)")
            }
            // Masked value steps: −10⁹ before the softmax, so their weight is 0.
            bias = try m.mapElements { $0 == 0 ? -1e9 : 0 }.reshaped([v.shape[0], 1, v.shape[1]])
        }
        return Keys(keys: k, values: v, maskBias: bias)
    }

    func attend(_ q: Tensor, _ keys: Keys, context: inout ForwardContext) throws -> Tensor {
        let h = q.shape[2]
        var s: Tensor  // [B, Tq, Tv]
        switch config.score {
        case .dot, .general:
            s = try Tensor.batchedMatmul(q, keys.keys, transposeB: true)
        case .additive:
            let (b, tq, tv, u) = (q.shape[0], q.shape[1], keys.values.shape[1], kernel.shape[1])
            let qp = try q.matmulLastAxis(kernel.value).reshaped([b, tq, 1, u])
            s = try (try qp + keys.keys).tanh().matmulLastAxis(scoreVector.value).reshaped([b, tq, tv])
        }
        if config.scale { s = s.scaled(by: 1 / Float(h).squareRoot()) }
        if let bias = keys.maskBias { s = try s + bias }
        let a = try s.softmax(axis: -1)
        if !context.training { lastWeights = a.detached() }
        return try Tensor.batchedMatmul(a, keys.values)  // [B, Tq, H]
    }
}
