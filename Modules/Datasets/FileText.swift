import Foundation

/// Reads a file as UTF-8, naming the path (and the line of the first invalid byte) on failure.
enum FileText {
    static func read(_ url: URL) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw DataError.io(path: url.path, message: "no such file")
        }
        guard !isDir.boolValue else { throw DataError.io(path: url.path, message: "is a folder, expected a file") }
        guard let data = try? Data(contentsOf: url) else {
            throw DataError.io(path: url.path, message: "cannot read the file (permissions?)")
        }
        if let s = String(data: data, encoding: .utf8) { return s }
        // Find the line of the first invalid sequence.
        var line = 1
        var start = 0
        let bytes = [UInt8](data)
        for (i, b) in bytes.enumerated() where b == 10 {
            if String(bytes: bytes[start..<i], encoding: .utf8) == nil { break }
            line += 1
            start = i + 1
        }
        throw DataError.record(path: url.path, line: line, message: "invalid UTF-8")
    }
}
