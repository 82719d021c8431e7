import Tensors

/// A recurrent layer that also reads whole sequences besides the one it steps through: an
/// attentive decoder (`AttentionLSTM`) reads the encoder's outputs at every step.
///
/// In a graph its inputs are the stepped sequence, then `memoryInputCount` memories (each with
/// its mask, e.g. the source's padding), then its initial states:
/// ```yaml
/// - {name: decoder, type: AttentionLSTM, units: 256, inputs: [phonemes_so_far, encoder, start_h, start_c]}
/// ```
/// Step-by-step decoding (`ModelStepper`) steps the sequence, reads the memories whole, and
/// carries every state (`stateNames`), which may be more than the initial states a graph gives.
public protocol ReadsMemory: ProducesStates {
    /// How many whole sequences the layer reads after its stepped one.
    var memoryInputCount: Int { get }
    /// The per-example output shape for the stepped sequence's shape and the memories' shapes.
    func outputShape(forInputs shapes: [[Int]]) throws -> [Int]
    /// Creates the parameters for the per-example shapes of the sequence and the memories.
    func build(inputShapes: [[Int]], rng: inout SeededGenerator) throws
    /// The output and the final states, from `initialState` when given (else zeros).
    func forwardWithStates(
        _ input: Tensor, memories: [(value: Tensor, mask: Tensor?)], initialState: [Tensor]?,
        context: inout ForwardContext
    ) throws -> (output: Tensor, states: [Tensor])
}

extension ReadsMemory {
    /// Says that the layer needs its memories (use it in a graph).
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        throw LayerError.shape(layer: name, message: needsMemory)
    }
    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {
        throw LayerError.shape(layer: name, message: needsMemory)
    }
    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        throw LayerError.shape(layer: name, message: needsMemory)
    }
    public func forwardWithStates(_ input: Tensor, initialState: [Tensor]?, context: inout ForwardContext) throws
        -> (output: Tensor, states: [Tensor])
    {
        throw LayerError.shape(layer: name, message: needsMemory)
    }
    /// The error message for a call without the memories.
    public var needsMemory: String {
        "reads its sequence and then \(memoryInputCount) memory sequence(s); use it in a graph: inputs: [sequence, memory, …]"
    }
}
