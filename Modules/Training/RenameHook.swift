import CKernels
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A test hook for the kill test (Tests/UnrollCLITests/KillTests.swift): with the environment
/// variable `UNROLL_KILL_AT_RENAME=N`, the process sends itself SIGKILL at the N-th point around
/// a rename of one of its files — just before the rename (odd N) or just after it (even N) — so
/// the test can stop a run at every step of writing checkpoints and bundles. Unset, it does nothing.
///
/// ```sh
/// UNROLL_KILL_AT_RENAME=7 unroll train spec.yaml   # killed before its 4th rename
/// ```
enum RenameHook {
    nonisolated(unsafe) private static var target: Int? = getenv("UNROLL_KILL_AT_RENAME").flatMap {
        Int(String(cString: $0))
    }
    nonisolated(unsafe) private static var count = 0

    /// Call just before and just after each rename.
    static func point() {
        guard let target else { return }
        count += 1
        if count == target { kill(getpid(), SIGKILL) }
    }

    /// `rename(2)` between two hook points.
    static func rename(_ from: String, _ to: String) -> Int32 {
        point()
        let r = Glibc.rename(from, to)
        point()
        return r
    }

    /// `unroll_rename_exchange` between two hook points.
    static func exchange(_ a: String, _ b: String) -> Int32 {
        point()
        let r = unroll_rename_exchange(a, b)
        point()
        return r
    }
}
