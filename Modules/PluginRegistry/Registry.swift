import Foundation

/// The kinds of things plugins provide.
public enum PluginKind: String, CaseIterable, Codable, Sendable {
    case layer, loss, optimizer, schedule, metric, callback
    case cleaningStep = "cleaning_step"
    case tokenizer
    case datasetSource = "dataset_source"
    /// What a spec trains for: how it reads data, encodes targets, predicts and reports.
    case task

    /// The plural heading `unroll layers` prints (`losses`, `cleaning_steps`).
    public var plural: String { self == .loss ? "losses" : rawValue + "s" }
}

/// One field of a plugin's config, for `unroll layers` and error messages.
public struct FieldInfo: Codable, Equatable, Sendable {
    public var name: String, type: String
    /// Rendered default (JSON), nil for required fields.
    public var defaultValue: String?
    public var required: Bool
    public var doc: String
}

/// A registered type: its name, a summary, its config fields and a factory.
public struct PluginEntry {
    public let kind: PluginKind
    /// `LSTM`, or namespaced for third parties: `acme.Highway`.
    public let name: String
    public let summary: String
    public let fields: [FieldInfo]
    /// Makes an instance from a config object (snake_case keys) and an instance name; the
    /// registry is passed in so a plugin can build others by name (Bidirectional wraps a
    /// recurrent layer given by its type).
    public let makeWithRegistry: (_ config: [String: Any], _ instanceName: String, _ registry: Registry) throws -> Any
    /// The config's data-sized field (`PluginConfig.dataSizedField`), which the app fills from the data.
    public var dataSizedField: String?

    public init(
        kind: PluginKind, name: String, summary: String, fields: [FieldInfo],
        make: @escaping (_ config: [String: Any], _ instanceName: String, _ registry: Registry) throws -> Any
    ) {
        self.kind = kind
        self.name = name
        self.summary = summary
        self.fields = fields
        self.makeWithRegistry = make
    }

    public init(
        kind: PluginKind, name: String, summary: String, fields: [FieldInfo],
        make: @escaping (_ config: [String: Any], _ instanceName: String) throws -> Any
    ) {
        self.init(kind: kind, name: name, summary: summary, fields: fields) { c, n, _ in try make(c, n) }
    }

    /// An entry whose config is a `PluginConfig` type: fields come from the type, `build` gets the decoded config.
    public static func configured<C: PluginConfig>(
        _ kind: PluginKind, _ name: String, summary: String, config: C.Type,
        build: @escaping (C, String) throws -> Any
    ) -> PluginEntry {
        var e = PluginEntry(kind: kind, name: name, summary: summary, fields: ConfigCoding.fields(C.self)) {
            obj, instance in
            try build(try ConfigCoding.decode(C.self, from: obj), instance)
        }
        e.dataSizedField = C.dataSizedField
        return e
    }

    /// Like `configured`, with the registry available to `build`.
    public static func configured<C: PluginConfig>(
        _ kind: PluginKind, _ name: String, summary: String, config: C.Type,
        buildWithRegistry build: @escaping (C, String, Registry) throws -> Any
    ) -> PluginEntry {
        var e = PluginEntry(kind: kind, name: name, summary: summary, fields: ConfigCoding.fields(C.self)) {
            obj, instance, registry in
            try build(try ConfigCoding.decode(C.self, from: obj), instance, registry)
        }
        e.dataSizedField = C.dataSizedField
        return e
    }
}

/// A module that provides plugins registers them here; an app lists its modules explicitly.
public protocol PluginModule {
    static func register(in registry: inout Registry) throws
}

/// Registry problems: a name registered twice, or an unknown name (with suggestions).
public enum RegistryError: Error, Equatable, CustomStringConvertible {
    case duplicate(kind: PluginKind, name: String)
    case unknown(kind: PluginKind, name: String, suggestions: [String])
    case invalidName(String)
    case wrongType(kind: PluginKind, name: String, expected: String)

    public var description: String {
        switch self {
        case .duplicate(let k, let n): return "\(k.rawValue) '\(n)' is registered twice"
        case .unknown(let k, let n, let s):
            return "unknown \(k.rawValue.replacingOccurrences(of: "_", with: " ")) '\(n)'"
                + (s.isEmpty ? "" : "; did you mean \(s.map { "'\($0)'" }.joined(separator: " or "))?")
        case .invalidName(let n):
            return "'\(n)' is not a valid plugin name (letters, digits, '_' and one optional '.' namespace)"
        case .wrongType(let k, let n, let e): return "\(k.rawValue) '\(n)' did not produce a \(e)"
        }
    }
}

/// All registered plugins by kind and name.
public struct Registry {
    private var entries: [PluginKind: [String: PluginEntry]] = [:]
    public init() {}

    /// A registry holding every module's plugins, in the order given.
    public init(modules: [any PluginModule.Type]) throws {
        for m in modules { try m.register(in: &self) }
    }

    /// Adds an entry; a name may be registered once per kind.
    public mutating func register(_ entry: PluginEntry) throws {
        let parts = entry.name.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } })
        else {
            throw RegistryError.invalidName(entry.name)
        }
        guard entries[entry.kind]?[entry.name] == nil else {
            throw RegistryError.duplicate(kind: entry.kind, name: entry.name)
        }
        entries[entry.kind, default: [:]][entry.name] = entry
    }

    /// The entry, or an error with "did you mean" suggestions.
    public func entry(_ kind: PluginKind, _ name: String) throws -> PluginEntry {
        if let e = entries[kind]?[name] { return e }
        throw RegistryError.unknown(
            kind: kind, name: name, suggestions: Registry.suggestions(for: name, among: names(kind)))
    }

    /// Makes an instance and checks its type.
    public func make<T>(
        _ kind: PluginKind, _ name: String, config: [String: Any], instanceName: String = "", as type: T.Type
    ) throws -> T {
        guard let v = try entry(kind, name).makeWithRegistry(config, instanceName, self) as? T else {
            throw RegistryError.wrongType(kind: kind, name: name, expected: String(describing: T.self))
        }
        return v
    }

    public func contains(_ kind: PluginKind, _ name: String) -> Bool { entries[kind]?[name] != nil }
    public func names(_ kind: PluginKind) -> [String] { (entries[kind] ?? [:]).keys.sorted() }
    public func all(_ kind: PluginKind) -> [PluginEntry] { names(kind).map { entries[kind]![$0]! } }

    /// Close names: case-insensitive matches, then edit distance ≤ max(2, length/3), best first.
    public static func suggestions(for name: String, among candidates: [String]) -> [String] {
        let n = name.lowercased()
        let scored = candidates.map { c -> (String, Int) in
            let cl = c.lowercased()
            if cl == n { return (c, 0) }
            let short = cl.split(separator: ".").last.map(String.init) ?? cl
            return (c, min(editDistance(n, cl), editDistance(n, short)))
        }
        let limit = max(2, name.count / 3)
        return scored.filter { $0.1 <= limit }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent
    /// transpositions (`LTSM` → `LSTM` is one edit).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
