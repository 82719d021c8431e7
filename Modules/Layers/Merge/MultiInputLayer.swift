import Tensors

/// A layer that takes several inputs — the merge layers (`Concatenate`, `Add`, `Multiply`,
/// `Average`). A model graph calls `forward(_:masks:context:)`; the one-input requirements of
/// `Layer` throw, since such a layer cannot stand in a chain.
///
/// The output's mask is the product (logical AND) of the inputs' masks that are present, when the
/// output is a sequence; a non-sequence output has none.
///
/// ```swift
/// let cat = try Concatenate()
/// var ctx = ForwardContext(training: false)
/// let y = try cat.forward([a, b], masks: [nil, nil], context: &ctx)   // [batch, fa + fb]
/// ```
public protocol MultiInputLayer: Layer {
    /// The per-example output shape for the inputs' per-example shapes (at least two).
    func outputShape(forInputs shapes: [[Int]]) throws -> [Int]
    /// Runs on a batch of each input; sets `context.mask` to the output's mask.
    func merge(_ inputs: [Tensor], context: inout ForwardContext) throws -> Tensor
    /// What a graph calls: checks the inputs, merges, and sets the output's mask from the inputs'
    /// masks (default: their product, for a sequence output). A layer that reads the masks
    /// itself (`Attention`) implements it.
    func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext) throws -> Tensor
}

extension MultiInputLayer {
    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        throw LayerError.shape(layer: name, message: "takes several inputs; use it in a graph: with inputs: [a, b]")
    }
    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {}
    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        throw LayerError.shape(layer: name, message: "takes several inputs; use it in a graph: with inputs: [a, b]")
    }

    /// Checks the count, merges, and combines the masks.
    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext) throws -> Tensor {
        _ = try outputShape(forInputs: inputs.map { Array($0.shape.dropFirst()) })
        let y = try merge(inputs, context: &context)
        let present = masks.compactMap { $0 }
        if y.rank >= 3, let first = present.first, present.allSatisfy({ $0.shape == first.shape }),
            first.shape == Array(y.shape.prefix(2))
        {
            context.mask = try present.dropFirst().reduce(first) { try $0 * $1 }
        } else {
            context.mask = nil
        }
        return y
    }

    /// Shapes must all be equal (the elementwise merges).
    func equalShapes(_ shapes: [[Int]]) throws -> [Int] {
        guard shapes.count >= 2 else {
            throw LayerError.shape(layer: name, message: "needs at least 2 inputs, got \(shapes.count)")
        }
        guard shapes.allSatisfy({ $0 == shapes[0] }) else {
            throw LayerError.shape(
                layer: name,
                message:
                    "inputs must have one shape, got \(shapes.map { "[batch, \($0.map(String.init).joined(separator: ", "))]" }.joined(separator: " and "))"
            )
        }
        return shapes[0]
    }
}
