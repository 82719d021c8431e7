import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the input being run where a signal handler can reach it, and on a crash (a Swift trap
/// is SIGILL or SIGTRAP; also SIGABRT, SIGSEGV, SIGBUS, SIGFPE) writes it to `crash-<target>.bin`
/// in the working folder with async-signal-safe calls, then dies with the same signal.
enum CrashReport {
    nonisolated(unsafe) static var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 22)
    nonisolated(unsafe) static var length = 0
    nonisolated(unsafe) static var path: UnsafeMutablePointer<CChar> = strdup("crash.bin")
    nonisolated(unsafe) static var message: UnsafeMutablePointer<CChar> = strdup("unroll-fuzz: crashed\n")

    static func arm(target: String) {
        free(path)
        free(message)
        path = strdup("crash-\(target).bin")
        message = strdup("unroll-fuzz: \(target) crashed; its input is in crash-\(target).bin\n")
        for sig in [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE] {
            signal(sig) { s in
                let fd = open(CrashReport.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                if fd >= 0 {
                    _ = write(fd, CrashReport.buffer, CrashReport.length)
                    close(fd)
                }
                _ = write(2, CrashReport.message, strlen(CrashReport.message))
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }

    /// Records `data` as the input now running (truncated to 4 MiB).
    static func hold(_ data: Data) {
        length = min(data.count, 1 << 22)
        data.withUnsafeBytes { raw in
            if length > 0 { buffer.update(from: raw.bindMemory(to: UInt8.self).baseAddress!, count: length) }
        }
    }
}
