import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Runs `body` until at least `minSeconds` have passed (after `warmup` calls) and returns the
/// best per-call time over `repeats` rounds, in seconds.
func measure(minSeconds: Double = 0.2, repeats: Int = 3, warmup: Int = 2, _ body: () throws -> Void) rethrows -> Double
{
    for _ in 0..<warmup { try body() }
    var best = Double.infinity
    for _ in 0..<repeats {
        var calls = 0
        let start = now()
        var elapsed = 0.0
        repeat {
            try body()
            calls += 1
            elapsed = now() - start
        } while elapsed < minSeconds
        best = min(best, elapsed / Double(calls))
    }
    return best
}

/// Peak resident memory of this process so far, in MiB (VmHWM from /proc/self/status).
func peakMemoryMiB() -> Double {
    guard let f = fopen("/proc/self/status", "r") else { return .nan }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, f) != nil {
        let s = String(cString: line)
        if s.hasPrefix("VmHWM:") {
            let kb = s.split(separator: " ").compactMap { Double($0) }.first ?? .nan
            return kb / 1024
        }
    }
    return .nan
}

func fmt(_ x: Double, _ digits: Int = 2) -> String {
    var s = String(format: "%.\(digits)f", x)
    if s == "-0.00" { s = "0.00" }
    return s
}
