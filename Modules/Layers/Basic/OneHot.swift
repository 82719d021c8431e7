import Tensors

/// Token ids → one-hot vectors: `[batch, time]` → `[batch, time, depth]`. No parameters.
///
/// The notes' character models feed one-hot letters (`h = [1, 0, 0, 0]`); this layer does that
/// from ids, so the same data serves an `Embedding` model. In a spec, `depth` may be left out:
/// the data's alphabet or vocabulary size is used. A recurrent layer right after it multiplies
/// only the 1s: it projects each symbol present once (`Tensor.oneHotIDs`).
///
/// ```swift
/// let oneHot = try OneHot(depth: 4)                          // the notes' alphabet h, e, l, o
/// var ctx = ForwardContext(training: false)
/// let x = try oneHot.forward(Tensor(shape: [1, 2], scalars: [0, 1]), context: &ctx)
/// // [1, 2, 4]: "h" = [1, 0, 0, 0], "e" = [0, 1, 0, 0]
/// ```
public final class OneHot: Layer {
    public struct Config: LayerConfig {
        /// Number of symbols (largest id + 1).
        public var depth = 1
        public init() {}
        public static var dataSizedField: String? { "depth" }
        public static var requiredFields: [String] { ["depth"] }
        public static var fieldDocs: [String: String] {
            ["depth": "number of symbols; a spec may omit it: the data's alphabet size is used"]
        }
    }

    public static let typeName = "OneHot"
    /// Step t of the output reads step t of the input.
    public var stepping: Stepping { .pointwise() }
    public var name: String
    public let config: Config

    public init(config: Config, name: String = "") throws {
        guard config.depth > 0 else {
            throw LayerError.config(layer: name, field: "depth", message: "must be positive, got \(config.depth)")
        }
        self.config = config
        self.name = name
    }
    public convenience init(depth: Int, name: String = "") throws {
        var c = Config()
        c.depth = depth
        try self.init(config: c, name: name)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape + [config.depth] }
    public func build(inputShape: [Int], rng: inout SeededGenerator) throws {}
    public func forward(_ input: Tensor, context: inout ForwardContext) throws -> Tensor {
        do { return try Tensor.oneHot(input, depth: config.depth) } catch {
            throw LayerError.invalid(
                layer: name, message: "ids must be integers in 0..<\(config.depth) (depth): \(error)")
        }
    }
}
