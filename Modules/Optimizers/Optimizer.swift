import Layers
import Tensors

/// An optimizer: updates parameters in place from their gradients, keeping its own state per
/// parameter (keyed by the parameter's dotted name, so it can be saved and resumed).
///
/// ```swift
/// let opt = Adam(learningRate: 1e-3)
/// let grads = try gradients(of: loss, wrt: params.map(\.parameter.value))
/// try opt.step(params, gradients: grads)
/// ```
public protocol Optimizer: AnyObject {
    /// Registry / spec name, e.g. `adam`.
    static var typeName: String { get }
    /// The rate used by the next `step` (a schedule sets it before each step).
    var learningRate: Float { get set }
    /// Decoupled weight decay λ: before the update, `p ← p − lr·λ·p` (AdamW-style; 0 = off).
    var weightDecay: Float { get set }
    /// Number of `step` calls so far.
    var iterations: Int { get }
    /// Updates one parameter given its gradient; `t` is the 1-based step number.
    func update(_ name: String, _ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, t: Int)
    /// Marks the end of a step.
    func finishStep()
    /// Per-parameter state for checkpoints, e.g. `lstm_1.kernel.m`.
    var state: [String: Tensor] { get }
    /// Restores state saved by `state` (and the iteration count).
    func restore(state: [String: Tensor], iterations: Int) throws
    /// Folds the parameter's new value into its exponential moving average (`Trainer`'s `ema`):
    /// `a ← μ·a + (1 − μ)·p`, with `a = p` at the first call (as Keras's `use_ema`). The average
    /// is state (`<name>.average`), saved and resumed with the rest. False when this optimizer
    /// keeps no averages (the protocol's default), so that a trainer can refuse `ema` for it.
    func foldIntoAverage(_ name: String, _ p: UnsafeBufferPointer<Float>, momentum: Float) -> Bool
    /// Exchanges `p` with the parameter's average, when it has one: a trainer swaps them before
    /// validation and back before the next epoch.
    func swapWithAverage(_ name: String, _ p: UnsafeMutableBufferPointer<Float>)
}

extension Optimizer {
    public func foldIntoAverage(_ name: String, _ p: UnsafeBufferPointer<Float>, momentum: Float) -> Bool { false }
    public func swapWithAverage(_ name: String, _ p: UnsafeMutableBufferPointer<Float>) {}
}

/// Why an optimizer refused a step or a state.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    case mismatch(String)
    public var description: String { "optimizer: \(self.message)" }
    var message: String {
        switch self {
        case .mismatch(let m): return m
        }
    }
}

extension Optimizer {
    /// One update of every trainable parameter from `gradients` (same order).
    public func step(_ params: [(name: String, parameter: Parameter)], gradients: [Tensor]) throws {
        guard params.count == gradients.count else {
            throw OptimizerError.mismatch("\(params.count) parameters but \(gradients.count) gradients")
        }
        let t = iterations + 1
        for ((name, p), g) in zip(params, gradients) where p.trainable {
            guard g.shape == p.shape else {
                throw OptimizerError.mismatch("gradient for \(name) has shape \(g.shape), parameter has \(p.shape)")
            }
            let lr = learningRate
            let wd = weightDecay
            g.withUnsafeBufferPointer { gp in
                p.update { pp in
                    if wd != 0 {
                        let f = 1 - lr * wd
                        for i in 0..<pp.count { pp[i] *= f }
                    }
                    update(name, pp, gp, t: t)
                }
            }
        }
        finishStep()
    }
}

/// What every optimizer keeps besides its hyper-parameters: the step count and the
/// per-parameter slots. A base for sharing storage only — it has no abstract methods.
public class OptimizerState {
    public var learningRate: Float
    public var weightDecay: Float
    public private(set) var iterations = 0
    let slots = SlotStore()

    init(learningRate: Float, weightDecay: Float) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    public func finishStep() { iterations += 1 }

    public func foldIntoAverage(_ name: String, _ p: UnsafeBufferPointer<Float>, momentum: Float) -> Bool {
        let first = !slots.has(name, "average")
        slots.with(name, "average", count: p.count) { a in
            if first {
                for i in 0..<p.count { a[i] = p[i] }
            } else {
                for i in 0..<p.count { a[i] = momentum * a[i] + (1 - momentum) * p[i] }
            }
        }
        return true
    }

    public func swapWithAverage(_ name: String, _ p: UnsafeMutableBufferPointer<Float>) {
        guard slots.has(name, "average") else { return }
        slots.with(name, "average", count: p.count) { a in
            for i in 0..<min(p.count, a.count) { swap(&a[i], &p[i]) }
        }
    }

    public var state: [String: Tensor] { slots.tensors }
    public func restore(state: [String: Tensor], iterations: Int) throws {
        slots.restore(state)
        self.iterations = iterations
    }
}

/// Per-parameter slots (momentum, moments, accumulators), one boxed buffer each, so an update
/// can hold several slots of one parameter at once without overlapping accesses.
final class SlotStore {
    final class Slot {
        var data: [Float]
        init(_ d: [Float]) { data = d }
    }
    private var slots: [String: Slot] = [:]

    /// The slot `name.kind`, created with `initial` on first use.
    func with<R>(
        _ name: String, _ kind: String, count: Int, initial: Float = 0, _ body: (UnsafeMutableBufferPointer<Float>) -> R
    ) -> R {
        let key = "\(name).\(kind)"
        let slot: Slot
        if let s = slots[key] {
            slot = s
        } else {
            slot = Slot([Float](repeating: initial, count: count))
            slots[key] = slot
        }
        return slot.data.withUnsafeMutableBufferPointer { body($0) }
    }

    /// Whether the slot `name.kind` exists yet.
    func has(_ name: String, _ kind: String) -> Bool { slots["\(name).\(kind)"] != nil }

    var tensors: [String: Tensor] { slots.mapValues { Tensor($0.data) } }

    func restore(_ state: [String: Tensor]) { slots = state.mapValues { Slot($0.scalars) } }
}
