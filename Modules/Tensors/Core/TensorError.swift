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
        case let .shapeMismatch(op, lhs, rhs, detail):
            return "\(op): shapes \(lhs) and \(rhs) \(detail)"
        case let .invalidAxis(op, axis, shape):
            return "\(op): axis \(axis) is out of range for a tensor of shape \(shape) (rank \(shape.count))"
        case let .rankMismatch(op, expected, shape):
            return "\(op): expected \(expected), got shape \(shape) (rank \(shape.count))"
        case let .invalidArgument(op, message):
            return "\(op): \(message)"
        case let .autodiff(message):
            return "autodiff: \(message)"
        }
    }
}
