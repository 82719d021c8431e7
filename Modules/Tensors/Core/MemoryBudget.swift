#if canImport(Glibc)
    import Glibc
#endif

/// What this machine can hold, so that sizes which could never be allocated (a spec with
/// `units: 1000000000000`, or `sequence_length: 1000000000000`) become an error that names the
/// cause instead of a failed allocation.
///
/// ```swift
/// MemoryBudget.problem(shape: [64, 256], bytesPerElement: 16, what: "a parameter")     // nil: fits
/// MemoryBudget.problem(shape: [1 << 40, 4], bytesPerElement: 16, what: "a parameter")  // "a parameter of shape … is too large: …"
/// ```
public enum MemoryBudget {
    /// Bytes a trainable scalar costs in training: the weight, its gradient and Adam's two slots.
    public static let bytesPerParameter = 16
    /// The largest extent BLAS takes (its sizes are 32-bit).
    public static let maxExtent = Int(Int32.max)

    /// Physical memory in bytes, or `Int.max` when the system does not say.
    public static var physicalBytes: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return Int.max }
        return pages.multipliedReportingOverflow(by: size).overflow ? Int.max : pages * size
    }

    /// The number of scalars in `shape`, or nil when it does not fit in an `Int` (or an extent is negative).
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return n
    }

    /// `bytes` as a short figure: `1.5 GB`, `320 MB`.
    public static func describe(bytes: Int) -> String {
        let gb = Double(bytes) / 1e9
        return gb >= 1 ? "\((gb * 10).rounded() / 10) GB" : "\(Int((Double(bytes) / 1e6).rounded())) MB"
    }

    /// Why `what` of `shape`, at `bytesPerElement` bytes a scalar, cannot be held here — an
    /// extent beyond BLAS's 32-bit sizes, or more bytes than the machine's memory — or nil if it can.
    public static func problem(shape: [Int], bytesPerElement: Int, what: String) -> String? {
        let rendered = "[\(shape.map(String.init).joined(separator: ", "))]"
        if let big = shape.first(where: { $0 > maxExtent }) {
            return
                "\(what) of shape \(rendered) is too large: extent \(big) is beyond \(maxExtent), the largest size BLAS takes"
        }
        let limit = physicalBytes
        guard let n = elementCount(shape) else {
            return "\(what) of shape \(rendered) has more scalars than can be counted"
        }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: bytesPerElement)
        if overflow || bytes > limit {
            let need = overflow ? "more bytes than can be counted" : describe(bytes: bytes)
            return
                "\(what) of shape \(rendered) is too large: it needs \(need) (\(n) scalars × \(bytesPerElement) bytes), more than this machine's \(describe(bytes: limit))"
        }
        return nil
    }
}
