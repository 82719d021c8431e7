/// Errors from layers: bad configuration, shapes that do not fit, use before build.
/// Each names the layer (its `name`, e.g. `lstm_1`) so spec-file errors can point at it.
public enum LayerError: Error, Equatable, CustomStringConvertible {
    /// A config field has an invalid value.
    case config(layer: String, field: String, message: String)
    /// An input shape does not fit the layer.
    case shape(layer: String, message: String)
    /// `forward` was called before `build(inputShape:)`.
    case notBuilt(layer: String)
    /// Anything else a layer refuses to do, with the reason.
    case invalid(layer: String, message: String)

    public var description: String {
        switch self {
        case .config(let layer, let field, let message): return "\(layer): \(field): \(message)"
        case .shape(let layer, let message): return "\(layer): \(message)"
        case .notBuilt(let layer):
            return "\(layer): used before it was built (call build(inputShape:) or add it to a model)"
        case .invalid(let layer, let message): return "\(layer): \(message)"
        }
    }
}
