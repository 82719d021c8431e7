import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// CPU capabilities read from `/proc/cpuinfo` (Linux), for choosing BLAS kernels.
public enum CPUFeatures {
    /// The `flags` line of the first processor, split into words (empty when unreadable).
    public static let flags: Set<String> = Set(
        (cpuinfoField("flags") ?? "").split(separator: " ").map(String.init))

    /// The `model name` line of the first processor (`AMD EPYC`, `Intel(R) Xeon(R) Processor`), or
    /// `unknown CPU`: benchmark figures name the CPU they were measured on.
    public static let modelName: String = cpuinfoField("model name") ?? "unknown CPU"

    /// The `vendor_id` line of the first processor (`AuthenticAMD`, `GenuineIntel`), or nil when
    /// unreadable: some kernel choices were measured per vendor (`BLAS.tiledStride`).
    public static let vendor: String? = cpuinfoField("vendor_id")

    /// The first processor's `cpu family` and `model` numbers (`family 25, model 17` for a Zen 4
    /// EPYC), or nil when `/proc/cpuinfo` lacks them. A VM may name Zen 3 and Zen 4 both `AMD EPYC`;
    /// these numbers tell them apart.
    public static let familyAndModel: String? = {
        guard let family = cpuinfoField("cpu family"), let model = cpuinfoField("model") else { return nil }
        return "family \(family), model \(model)"
    }()

    /// The value after the colon of the first `/proc/cpuinfo` line whose key is exactly `key`
    /// (`model` does not match `model name`), trimmed; nil when there is no such line.
    static func cpuinfoField(_ key: String) -> String? {
        guard let f = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 8192)
        while fgets(&line, Int32(line.count), f) != nil {
            let s = String(cString: line)
            guard let colon = s.firstIndex(of: ":") else { continue }
            if s[..<colon].trimmingCharacters(in: .whitespaces) == key {
                return s[s.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return nil
    }

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

    /// The vector width an OpenBLAS core type's kernels use, as a rank: 3 for AVX-512 (`SkylakeX`,
    /// `Cooperlake`, `SapphireRapids`), 2 for AVX2 (`Haswell`, `Zen`, `Excavator`), 1 for AVX
    /// (`Sandybridge`, `Bulldozer`, `Piledriver`, `Steamroller`), 0 for anything older (`Prescott`,
    /// `Nehalem`, …). Case-insensitive.
    public static func openBLASCoreRank(_ core: String) -> Int {
        switch core.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 3
        case "haswell", "zen", "excavator": return 2
        case "sandybridge", "bulldozer", "piledriver", "steamroller": return 1
        default: return 0
        }
    }

    /// The core type to switch OpenBLAS to when the one it picked (`current`) uses narrower vectors
    /// than this CPU runs, or nil to keep its choice. Debian's OpenBLAS 0.3.21 picks `Prescott` (SSE3)
    /// on recent Xeons, which this replaces with `SkylakeX`; it picks `Cooperlake` on Zen 4 and Zen 5
    /// EPYCs and `Zen` on Zen 3, which are kept.
    public static func betterOpenBLASCore(than current: String) -> String? {
        guard let better = openBLASCore(), openBLASCoreRank(better) > openBLASCoreRank(current) else { return nil }
        return better
    }
}
