/// Errors thrown by tensor operations on misuse a user can reach (shapes, axes, ranks, values).
///
/// Every case names the operation, so a message reads like
/// `add: shapes [32, 64] and [32, 65] cannot be broadcast`.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// Two operand shapes do not fit together for `op`.
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int], detail: String)
    /// `axis` is outside `-rank..<rank` for a tensor of shape `shape`.
    case invalidAxis(op: String, axis: Int, shape: [Int])
    /// The operand has the wrong rank.
    case rankMismatch(op: String, expected: String, shape: [Int])
    /// An argument's value is out of range (a negative size, an index past the end, ...).
    case invalidArgument(op: String, message: String)
    /// Gradients were requested in a way the tape cannot answer.
    case autodiff(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let op, let lhs, let rhs, let detail):
            return "\(op): shapes \(lhs) and \(rhs) \(detail)"
        case .invalidAxis(let op, let axis, let shape):
            return "\(op): axis \(axis) is out of range for a tensor of shape \(shape) (rank \(shape.count))"
        case .rankMismatch(let op, let expected, let shape):
            return "\(op): expected \(expected), got shape \(shape) (rank \(shape.count))"
        case .invalidArgument(let op, let message):
            return "\(op): \(message)"
        case .autodiff(let message):
            return "autodiff: \(message)"
        }
    }
}
