import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// CPU capabilities read from `/proc/cpuinfo` (Linux), for choosing BLAS kernels.
public enum CPUFeatures {
    /// The `flags` line of the first processor, split into words (empty when unreadable).
    public static let flags: Set<String> = {
        guard let f = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 8192)
        while fgets(&line, Int32(line.count), f) != nil {
            let s = String(cString: line)
            if s.hasPrefix("flags") {
                return Set(
                    s.split(separator: ":", maxSplits: 1).last?.split(separator: " ").map { $0.trimmingCharacters() }
                        ?? [])
            }
        }
        return []
    }()

    /// The `model name` line of the first processor (`AMD EPYC`, `Intel(R) Xeon(R) Processor`), or
    /// `unknown CPU`: benchmark figures name the CPU they were measured on.
    public static let modelName: String = {
        guard let f = fopen("/proc/cpuinfo", "r") else { return "unknown CPU" }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 8192)
        while fgets(&line, Int32(line.count), f) != nil {
            let s = String(cString: line)
            if s.hasPrefix("model name"), let value = s.split(separator: ":", maxSplits: 1).last {
                return value.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return "unknown CPU"
    }()

    /// The instruction sets of interest this CPU has, widest first: `avx512f avx2 fma`, `avx2 fma`, ….
    public static var vectorExtensions: String {
        ["avx512f", "avx2", "fma"].filter(flags.contains).joined(separator: " ")
    }

    /// The OpenBLAS core type whose kernels this CPU runs: `SkylakeX` (AVX-512 F/BW/VL/DQ),
    /// `Haswell` (AVX2 + FMA), or nil (leave OpenBLAS's choice alone).
    public static func openBLASCore() -> String? {
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String { String(self.filter { !$0.isWhitespace }) }
}
