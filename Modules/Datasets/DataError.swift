/// What to do with a bad record.
public enum OnBadRecord: String, Codable, CaseIterable, Sendable {
    /// Stop with an error naming the file and line.
    case fail
    /// Leave the record out and list it in the `LoadReport`.
    case skip
}

/// What a loader read and what it left out.
public struct LoadReport: Equatable, CustomStringConvertible, Sendable {
    public var loaded = 0
    /// Records left out: file, line and why.
    public var skipped: [DataError] = []
    public init() {}
    public var description: String {
        "loaded \(loaded), skipped \(skipped.count)"
            + (skipped.isEmpty
                ? ""
                : ": " + skipped.prefix(5).map(\.description).joined(separator: "; ")
                    + (skipped.count > 5 ? "; …" : ""))
    }

    /// Records `error` (skip mode) or throws it (fail mode).
    mutating func bad(_ error: DataError, _ mode: OnBadRecord) throws {
        if mode == .fail { throw error }
        skipped.append(error)
    }
}

/// Data errors: each names the path, and the line where there is one.
public enum DataError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalid(String)
    case io(path: String, message: String)
    case record(path: String, line: Int, message: String)
    /// A column the reader was told to read is not in the file's header.
    case column(path: String, name: String, columns: [String])
    public var description: String {
        switch self {
        case .column(let p, let n, let c): return "\(p): no column '\(n)' (columns: \(c.joined(separator: ", ")))"
        case .invalid(let m): return m
        case .io(let p, let m): return "\(p): \(m)"
        case .record(let p, let l, let m): return "\(p):\(l): \(m)"
        }
    }
}
