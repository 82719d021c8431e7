import Tensors

/// A trainable (or frozen) weight owned by a layer.
///
/// Layers declare parameters as stored properties (`public let kernel = Parameter()`); the model
/// finds them by reflection and names them `<layer>.<property in snake_case>`, e.g.
/// `lstm_1.recurrent_kernel`. There is no second, hand-kept list of parameters anywhere.
///
/// `value` is a leaf of the autodiff tape while `trainable` is true, so
/// `gradients(of: loss, wrt: params.map(\.value))` works directly. Optimizers update it in place.
///
/// ```swift
/// let gain = Parameter()                         // in a layer: `public let gain = Parameter()` → "<name>.gain"
/// try gain.assign(Tensor.ones([8]), checkShape: false)   // in `build`, once the input size is known
/// gain.count                                     // 8
/// ```
public final class Parameter {
    /// The current weights. Shape `[]` until the owning layer is built.
    public private(set) var value: Tensor
    /// Whether gradients are computed for this parameter and optimizers update it.
    public var trainable: Bool {
        didSet { value = trainable ? value.detached().requiringGrad() : value.detached() }
    }

    /// An empty parameter, filled by the layer's `build`.
    public init(trainable: Bool = true) {
        self.trainable = trainable
        self.value = Tensor.zeros([0])
    }

    /// Shape of the weights.
    public var shape: [Int] { value.shape }
    /// Number of scalars.
    public var count: Int { value.shape == [0] ? 0 : value.count }

    /// Replaces the weights (e.g. at build time, or loading a checkpoint / GloVe matrix).
    /// When the parameter already has a shape, the new value must have the same one.
    public func assign(_ newValue: Tensor, checkShape: Bool = true, name: String = "parameter") throws {
        if checkShape && value.shape != [0] && newValue.shape != value.shape {
            throw LayerError.shape(
                layer: name,
                message: "cannot assign weights of shape \(newValue.shape) to a parameter of shape \(value.shape)")
        }
        value = trainable ? newValue.detached().requiringGrad() : newValue.detached()
    }

    /// Fills the parameter with `make(shape)` once `shape` is known to fit in training (every
    /// extent within BLAS's 32-bit sizes; weights, gradient and two optimizer slots within the
    /// machine's memory, `MemoryBudget`): a layer's `build` uses this, so an impossible size is
    /// an error naming `layer` rather than a failed allocation.
    ///
    /// ```swift
    /// try kernel.initialize([features, units], layer: name) { Tensor.glorotUniform($0, using: &rng) }
    /// ```
    public func initialize(_ shape: [Int], layer: String, _ make: ([Int]) throws -> Tensor) throws {
        if let problem = MemoryBudget.problem(
            shape: shape, bytesPerElement: MemoryBudget.bytesPerParameter, what: "a parameter")
        {
            throw LayerError.invalid(layer: layer, message: problem)
        }
        if let budget = Parameter.budget, let n = MemoryBudget.elementCount(shape) {
            guard n <= budget.remaining else {
                throw LayerError.invalid(
                    layer: layer,
                    message:
                        "a parameter of shape \(shape) needs \(n) scalars but only \(budget.remaining) remain of the \(budget.total) \(budget.source) holds"
                )
            }
            budget.remaining -= n
        }
        try assign(make(shape), checkShape: false)
    }

    /// Throws `LayerError.config` naming `field` when a parameter of `shape`, which the layer's
    /// config alone fixes, could never be trained here (`MemoryBudget.problem`: an extent beyond
    /// BLAS's sizes, or more memory than the machine has). Layers call it from `init`, so a spec
    /// with `units: 1000000000` fails `unroll validate`, at that field, before any data is read.
    ///
    /// ```swift
    /// try Parameter.checkConfigSize([units, 4 * units], layer: name, field: "units", value: units)
    /// ```
    public static func checkConfigSize(_ shape: [Int], layer: String, field: String, value: Int) throws {
        if let problem = MemoryBudget.problem(
            shape: shape, bytesPerElement: MemoryBudget.bytesPerParameter, what: "a parameter")
        {
            throw LayerError.config(layer: layer, field: field, message: "\(value) cannot be trained here: \(problem)")
        }
    }

    /// `checkConfigSize` for a recurrent kernel `[units, gates·units]`, blamed on `units`.
    public static func checkRecurrentKernelSize(units: Int, gates: Int, layer: String) throws {
        // A units beyond Int.max / gates is itself beyond BLAS's sizes: the product is not needed.
        let width = units > Int.max / gates ? Int.max : gates * units
        try checkConfigSize([units, width], layer: layer, field: "units", value: units)
    }

    /// A cap on the scalars `initialize` hands out while `withBudget` runs.
    public final class Budget {
        public let total: Int, source: String
        public fileprivate(set) var remaining: Int
        init(total: Int, source: String) { (self.total, self.remaining, self.source) = (total, total, source) }
    }
    @TaskLocal static var budget: Budget?

    /// Builds with at most `scalars` parameter scalars in all; a layer asking for more fails
    /// before allocating, naming `source`. Loading a bundle builds its model under the weights
    /// file's size, so a `model.json` edited to `units: 30000` is refused at once instead of
    /// allocating gigabytes that the weights could never fill.
    ///
    /// ```swift
    /// let model = try Parameter.withBudget(scalars: fileBytes / 4, source: "weights.safetensors") { try build() }
    /// ```
    public static func withBudget<T>(scalars: Int, source: String, _ body: () throws -> T) rethrows -> T {
        try $budget.withValue(Budget(total: scalars, source: source), operation: body)
    }

    /// Uses `t` exactly as given, tape identity included, so gradients w.r.t. `t` flow through
    /// the layer. For gradient checks and functional-style calls; prefer `assign` otherwise.
    public func bind(_ t: Tensor) { value = t }

    /// Updates the weights in place, keeping the tape identity (for optimizers).
    public func update(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        try value.withUnsafeMutableBufferPointer(body)
    }
}
