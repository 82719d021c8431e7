/// Runs `body` with the first-element addresses of several tensors at once: `reading` (nil for a
/// nil tensor) for reads, `writing` for writes. One closure instead of one
/// `withUnsafe…BufferPointer` per tensor, for kernels that work on a dozen buffers.
///
/// Each tensor in `writing` is first made the sole owner of its elements (copy-on-write, as
/// `withUnsafeMutableBufferPointer`, whose in-place version count it bumps too); create the
/// tensors in the array itself, so that no other copy shares them and forces that copy. Every
/// tensor is kept alive until `body` returns: a tensor's storage is one fixed allocation, so the
/// addresses stay valid for the call. They must not escape it.
///
/// ```swift
/// var out = [Tensor.zeros([2, 3])]
/// withTensorPointers(reading: [a, nil], writing: &out) { read, write in
///     for i in 0..<6 { write[0][i] = read[0]![i] * 2 }   // read[1] is nil
/// }
/// ```
public func withTensorPointers<R>(
    reading: [Tensor?], writing: inout [Tensor],
    _ body: (_ read: [UnsafePointer<Float>?], _ write: [UnsafeMutablePointer<Float>]) throws -> R
) rethrows -> R {
    var write: [UnsafeMutablePointer<Float>] = []
    write.reserveCapacity(writing.count)
    for i in writing.indices {
        writing[i].withUnsafeMutableBufferPointer { _ in }  // unique storage, offset 0, version bumped
        write.append(writing[i].storage.base)
    }
    let read = reading.map { t in t.map { UnsafePointer($0.storage.base + $0.offset) } }
    return try withExtendedLifetime((reading, writing)) { try body(read, write) }
}
