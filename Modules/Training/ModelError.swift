/// Errors about a model as a whole.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// `index` is the node's (the layer's, in a chain).
    case invalid(String)
    case shape(layer: String, index: Int, inputShape: [Int], from: String, underlying: String)

    public var description: String {
        switch self {
        case .invalid(let m): return m
        case .shape(let layer, let index, let inputShape, let from, let underlying):
            return
                "layer \(index) (\(layer)) cannot take [batch\(inputShape.map { ", \($0)" }.joined())] from \(from): \(underlying)"
        }
    }
}
