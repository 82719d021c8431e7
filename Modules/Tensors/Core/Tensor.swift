/// An n-dimensional array of Float32 in row-major order, with reverse-mode autodiff.
///
/// Shapes are written outermost first, e.g. `[batch, time, features]`. A scalar has shape `[]`.
/// `Tensor` is a value: copies share storage until one is written to (copy-on-write).
/// Slicing along the leading axis (`self[i]`, `slice(axis: 0, ...)`) is a view, not a copy.
///
/// A tensor that takes part in differentiation carries a reference to the tape node that made
/// it (`requiresGrad`). Ops on such tensors record how to run backward; see `Gradients.swift`.
///
/// ```swift
/// let a = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
/// let b = try a + Tensor(1)          // broadcasting: [[2, 3], [4, 5]]
/// ```
public struct Tensor {
    /// Extent of each axis, outermost first.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage
    @usableFromInline var offset: Int
    /// Where this tensor's gradient is delivered on the tape; `nil` when it is not tracked.
    public internal(set) var gradEdge: GradEdge?

    // MARK: Construction

    /// Wraps an existing storage. Internal: shape and count are trusted.
    @usableFromInline
    init(shape: [Int], storage: TensorStorage, offset: Int = 0, gradEdge: GradEdge? = nil) {
        self.shape = shape
        self.storage = storage
        self.offset = offset
        self.gradEdge = gradEdge
    }

    /// A tensor of `shape` with every element equal to `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, storage: TensorStorage(capacity: Tensor.count(of: shape), repeating: value))
    }

    /// A scalar (shape `[]`).
    public init(_ value: Float) { self.init(shape: [], repeating: value) }

    /// A tensor from scalars in row-major order. Throws when the count does not fit the shape.
    public init(shape: [Int], scalars: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(
                op: "Tensor(shape:scalars:)", message: "negative extent in shape \(shape)")
        }
        let n = Tensor.count(of: shape)
        guard n == scalars.count else {
            throw TensorError.invalidArgument(
                op: "Tensor(shape:scalars:)",
                message: "shape \(shape) holds \(n) elements but \(scalars.count) scalars were given")
        }
        let s = scalars.withUnsafeBufferPointer { TensorStorage(copying: $0.baseAddress!, count: n) }
        self.init(shape: shape, storage: s)
    }

    /// A 1-D tensor of the given scalars.
    public init(_ scalars: [Float]) {
        self.init(shape: [scalars.count]) { p, n in
            scalars.withUnsafeBufferPointer { if let b = $0.baseAddress { p.update(from: b, count: n) } }
        }
    }

    /// A 2-D tensor from rows of equal length.
    public init(rows: [[Float]]) throws {
        let cols = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == cols }) else {
            throw TensorError.invalidArgument(
                op: "Tensor(rows:)", message: "rows have different lengths \(rows.map(\.count))")
        }
        try self.init(shape: [rows.count, cols], scalars: rows.flatMap { $0 })
    }

    /// A tensor of `shape` whose elements are written by `body` into uninitialised memory.
    /// `body` must write all `count` elements. This is the entry point for fused kernels.
    @inlinable
    public init(shape: [Int], unsafeUninitialized body: (UnsafeMutablePointer<Float>, Int) throws -> Void) rethrows {
        let n = Tensor.count(of: shape)
        let s = TensorStorage(capacity: n)
        try body(s.base, n)
        self.init(shape: shape, storage: s)
    }

    /// Zeros of `shape`.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }
    /// Ones of `shape`.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }
    /// `shape` filled with `value`.
    public static func filled(_ shape: [Int], with value: Float) -> Tensor { Tensor(shape: shape, repeating: value) }
    /// `[start, start+step, ...]` up to but excluding `end` (like `numpy.arange`).
    public static func range(from start: Float = 0, to end: Float, step: Float = 1) throws -> Tensor {
        guard step != 0, step.isFinite else {
            throw TensorError.invalidArgument(op: "range", message: "step must be finite and non-zero")
        }
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n]) { p, n in for i in 0..<n { p[i] = start + Float(i) * step } }
    }

    // MARK: Facts

    /// Number of axes.
    @inlinable public var rank: Int { shape.count }
    /// Number of elements.
    @inlinable public var count: Int { Tensor.count(of: shape) }
    /// Product of the extents (1 for a scalar).
    @inlinable public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The elements in row-major order.
    public var scalars: [Float] { withUnsafeBufferPointer { Array($0) } }
    /// The single element of a one-element tensor, or `nil`.
    public var scalar: Float? { count == 1 ? storage.base[offset] : nil }

    /// Whether gradients flow into this tensor.
    public var requiresGrad: Bool { gradEdge != nil }

    // MARK: Raw access (for kernels)

    /// Read access to the contiguous elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base + offset, count: count))
    }

    /// Write access to the elements; copies first if the storage is shared (copy-on-write).
    /// The tensor keeps its tape identity: use this for in-place parameter updates only.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R)
        rethrows -> R
    {
        let n = count
        if !isKnownUniquelyReferenced(&storage) || offset != 0 || storage.capacity != n {
            storage = TensorStorage(copying: storage.base + offset, count: n)
            offset = 0
        }
        storage.version &+= 1
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: n))
    }

    /// The element at a full multi-index (bounds-checked, throws on a bad index).
    public func element(at index: [Int]) throws -> Float {
        storage.base[offset + (try flatIndex(index, op: "element(at:)"))]
    }

    /// Writes one element (copy-on-write).
    public mutating func setElement(_ value: Float, at index: [Int]) throws {
        let i = try flatIndex(index, op: "setElement(_:at:)")
        withUnsafeMutableBufferPointer { $0[i] = value }
    }

    func flatIndex(_ index: [Int], op: String) throws -> Int {
        guard index.count == rank else {
            throw TensorError.rankMismatch(op: op, expected: "an index of \(index.count) axes", shape: shape)
        }
        var flat = 0
        for (i, (ix, n)) in zip(index, shape).enumerated() {
            guard ix >= 0 && ix < n else {
                throw TensorError.invalidArgument(op: op, message: "index \(ix) out of range 0..<\(n) on axis \(i)")
            }
            flat = flat * n + ix
        }
        return flat
    }

    /// This tensor without its tape identity: a constant for autodiff (shares storage).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage, offset: offset) }

    /// Whether `other` is this very tensor — the same storage, offset and shape, and the same tape
    /// identity — rather than merely equal values (a layer recognising its input, e.g. an embedding's output).
    public func isSameTensor(as other: Tensor) -> Bool {
        storage === other.storage && offset == other.offset && shape == other.shape
            && gradEdge?.node === other.gradEdge?.node && gradEdge?.index == other.gradEdge?.index
    }

    /// Normalises a possibly negative axis; throws when out of range.
    public func normalizedAxis(_ axis: Int, op: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else { throw TensorError.invalidAxis(op: op, axis: axis, shape: shape) }
        return a
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let s = scalars
        let shown = s.prefix(16).map { String(format4($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(s.count > 16 ? ", …" : "")])"
    }
}

private func format4(_ x: Float) -> String {
    let r = (x * 10000).rounded() / 10000
    return "\(r)"
}

extension Tensor {
    /// Whether two tensors have the same shape and all elements within `tolerance`.
    public func isClose(to other: Tensor, tolerance: Float = 1e-5) -> Bool {
        guard shape == other.shape else { return false }
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                for i in 0..<a.count where !(abs(a[i] - b[i]) <= tolerance) { return false }
                return true
            }
        }
    }
}

/// Runs `body` with the elements of `t`, or with nil when there is no tensor.
@inline(__always)
public func withOptionalBuffer<R>(_ t: Tensor?, _ body: (UnsafeBufferPointer<Float>?) throws -> R) rethrows -> R {
    guard let t else { return try body(nil) }
    return try t.withUnsafeBufferPointer { try body($0) }
}
