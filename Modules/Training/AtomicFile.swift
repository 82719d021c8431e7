import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Crash-safe file writes: the data goes to a temporary file in the same folder, is flushed to
/// disk (`fsync`), and is then renamed over the target in one step. A run killed at any moment
/// leaves either the old file or the new one, never a torn one.
///
/// ```swift
/// try AtomicFile.write(Data("{}".utf8), to: bundle.appendingPathComponent("metrics.json"))
/// // a crash mid-write leaves the old file, never half of the new one
/// ```
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CheckpointError.io(path: tmp.path, message: String(cString: strerror(errno))) }
        var ok = true
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n <= 0 {
                    ok = false
                    break
                }
                off += n
            }
        }
        if ok { ok = fsync(fd) == 0 }
        let err = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(tmp.path)
            throw CheckpointError.io(path: url.path, message: "write failed: \(err)")
        }
        guard RenameHook.rename(tmp.path, url.path) == 0 else {
            let e = String(cString: strerror(errno))
            unlink(tmp.path)
            throw CheckpointError.io(path: url.path, message: "rename failed: \(e)")
        }
        let dfd = open(dir.path, O_RDONLY)  // persist the rename itself
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}

/// Problems reading or writing checkpoints; each names the file and, where it applies, the tensor.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case io(path: String, message: String)
    /// The file is not what it should be (its message says what: "not a valid safetensors file: …").
    case format(path: String, message: String)
    case tensor(path: String, name: String, message: String)

    public var description: String {
        switch self {
        case .io(let path, let m): return "\(path): \(m)"
        case .format(let path, let m): return "\(path): \(m)"
        case .tensor(let path, let name, let m): return "\(path): tensor '\(name)': \(m)"
        }
    }
}
