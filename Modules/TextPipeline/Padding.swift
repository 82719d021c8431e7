import Tensors

/// Which end of a sequence padding or truncation applies to (Keras `pad_sequences`).
public enum PadSide: String, Codable, CaseIterable, Sendable { case pre, post }

/// Pads or truncates integer sequences to a fixed length.
///
/// ```swift
/// let (ids, mask) = try Padding.pad([[5, 6, 7], [8]], length: 2)
/// // ids [[6, 7], [0, 8]] (truncated and padded at the front, as Keras); mask [[1, 1], [0, 1]]
/// ```
public enum Padding {
    /// `ids [N, length]` (as Float, padding value 0) and `mask [N, length]` (1 = real token).
    /// Defaults follow Keras: pad and truncate at the front (`pre`).
    public static func pad(_ sequences: [[Int]], length: Int, padding: PadSide = .pre, truncating: PadSide = .pre)
        throws -> (ids: Tensor, mask: Tensor)
    {
        guard length > 0 else { throw TextError.invalid("sequence length must be positive, got \(length)") }
        if let problem = MemoryBudget.problem(
            shape: [sequences.count, length], bytesPerElement: 8, what: "the padded sequences (ids and mask)")
        {
            throw TextError.invalid(problem + "; lower the sequence length")
        }
        var ids = [Float](repeating: 0, count: sequences.count * length)
        var mask = [Float](repeating: 0, count: sequences.count * length)
        for (r, s) in sequences.enumerated() {
            let kept = s.count <= length ? s[...] : (truncating == .pre ? s.suffix(length) : s.prefix(length))
            let start = padding == .pre ? length - kept.count : 0
            for (j, v) in kept.enumerated() {
                ids[r * length + start + j] = Float(v)
                mask[r * length + start + j] = 1
            }
        }
        return (
            try Tensor(shape: [sequences.count, length], scalars: ids),
            try Tensor(shape: [sequences.count, length], scalars: mask)
        )
    }
}
