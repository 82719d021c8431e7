/// Reference-counted, 64-byte-aligned Float32 buffer behind a `Tensor`.
///
/// `Tensor` is a value type; it shares a storage until one copy is mutated (copy-on-write,
/// checked with `isKnownUniquelyReferenced`). Views along the leading axis share a storage
/// with an element offset, so slicing a batch or a time step out of `[batch, time, features]`
/// costs no copy.
public final class TensorStorage {
    /// First element. Owned; freed in `deinit`.
    public let base: UnsafeMutablePointer<Float>
    /// Number of elements allocated.
    public let capacity: Int
    /// How many times the elements were written in place (`Tensor.withUnsafeMutableBufferPointer`)
    /// since allocation: a cache of values derived from this storage is current while its storage
    /// and version are both unchanged (`LookupProjectionCache`).
    @usableFromInline var version: UInt64 = 0

    /// Allocates `capacity` uninitialised elements (at least one, so `base` is always valid).
    @usableFromInline
    init(capacity: Int) {
        self.capacity = capacity
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(capacity, 1) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(capacity, 1))
    }

    /// Allocates `capacity` elements set to `value`.
    convenience init(capacity: Int, repeating value: Float) {
        self.init(capacity: capacity)
        base.initialize(repeating: value, count: max(capacity, 1))
    }

    /// A new storage holding a copy of `count` elements starting at `source`.
    @usableFromInline
    convenience init(copying source: UnsafePointer<Float>, count: Int) {
        self.init(capacity: count)
        base.initialize(from: source, count: count)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}
