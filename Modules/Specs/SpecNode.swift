import Foundation
import Yams

/// A spec file's value with its position, so every error can say `file:line:column`.
public struct SpecNode {
    public indirect enum Value {
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)
        case null
        case list([SpecNode])
        case map([(key: String, keyNode: SpecNode, value: SpecNode)])
    }
    public var value: Value
    public var line: Int, column: Int
    /// The `--set` key this node came from (`model.1.units`), or nil when the file holds it. Such a
    /// node has the position of what it replaced (or of the mapping it was added to), and errors
    /// about it say which `--set` gave it.
    public var setBy: String? = nil

    /// What a user would call this value's type.
    public var typeName: String {
        switch value {
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a number"
        case .bool: return "true/false"
        case .null: return "null"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }

    /// The value for `key` in a mapping.
    public subscript(key: String) -> SpecNode? {
        if case .map(let pairs) = value { return pairs.first { $0.key == key }?.value }
        return nil
    }

    public var mapPairs: [(key: String, keyNode: SpecNode, value: SpecNode)]? {
        if case .map(let p) = value { return p }
        return nil
    }
    public var list: [SpecNode]? {
        if case .list(let l) = value { return l }
        return nil
    }
    public var string: String? {
        if case .string(let s) = value { return s }
        return nil
    }
    public var int: Int? {
        if case .int(let i) = value { return i }
        return nil
    }
    public var number: Double? {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var bool: Bool? {
        if case .bool(let b) = value { return b }
        return nil
    }

    /// The value as Foundation objects (`[String: Any]`, `[Any]`, numbers, strings) for config decoding.
    public var foundation: Any {
        switch value {
        case .string(let s): return s
        case .int(let i): return i
        case .double(let d): return d
        case .bool(let b): return b
        case .null: return NSNull()
        case .list(let l): return l.map(\.foundation)
        case .map(let p): return Dictionary(p.map { ($0.key, $0.value.foundation) }, uniquingKeysWith: { a, _ in a })
        }
    }
}

/// Parses YAML or JSON (a JSON document is valid YAML) into `SpecNode`s. Loading is safe: only
/// the core scalar types are resolved; explicit tags (`!!python/object`, `!custom`), anchors and
/// aliases are refused, so nothing is constructed from the file but plain data.
public enum SpecParser {
    /// What YAML 1.1 reads a non-decimal integer as — base 60 (`1:20` = 80), hex, octal, binary,
    /// `_` separators — or nil when it overflows. (Yams' own base-60 reading traps on overflow,
    /// `9223372036854775801:20`, so it is never called.)
    static func yaml11Integer(_ text: String) -> Int? {
        var t = text.replacingOccurrences(of: "_", with: "")
        var sign = 1
        if let f = t.first, f == "-" || f == "+" {
            sign = f == "-" ? -1 : 1
            t.removeFirst()
        }
        var value: Int?
        if t.contains(":") {
            var v = 0
            for part in t.split(separator: ":", omittingEmptySubsequences: false) {
                guard let d = Int(part), d >= 0 else { return nil }
                let (m, o1) = v.multipliedReportingOverflow(by: 60)
                let (a, o2) = m.addingReportingOverflow(d)
                if o1 || o2 { return nil }
                v = a
            }
            value = v
        } else if t.hasPrefix("0x") {
            value = Int(t.dropFirst(2), radix: 16)
        } else if t.hasPrefix("0o") {
            value = Int(t.dropFirst(2), radix: 8)
        } else if t.hasPrefix("0b") {
            value = Int(t.dropFirst(2), radix: 2)
        } else {
            value = Int(t)
        }
        return value.flatMap { v in sign == 1 ? v : (v == Int.min ? nil : -v) }
    }

    public static func parse(_ text: String, file: String) throws -> SpecNode {
        let node: Node?
        let parser: Parser  // kept alive while converting: nodes hold their anchors weakly
        do {
            parser = try Parser(yaml: text)
            node = try parser.singleRoot()
        } catch let e as YamlError {
            throw SpecErrors([issue(from: e, file: file, text: text)])
        }
        guard let node else {
            throw SpecErrors([SpecIssue(file: file, line: 1, column: 1, message: "the spec file is empty")])
        }
        var issues: [SpecIssue] = []
        let out = withExtendedLifetime(parser) { convert(node, file: file, issues: &issues) }
        if !issues.isEmpty { throw SpecErrors(issues) }
        return out
    }

    static func issue(from e: YamlError, file: String, text: String) -> SpecIssue {
        switch e {
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the key's first place; point at its second, where it is usually the
            // mistake: a later line of the same block mapping holding the key at the same column,
            // else the first place (a flow mapping on one line).
            let (first, key) = (context.mark, duplicates.first ?? "")
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let indent = max(0, first.column - 1)
            var again: Int? = nil
            for i in lines.indices.dropFirst(first.line) {
                let lead = lines[i].prefix { $0 == " " }.count
                let rest = lines[i].dropFirst(lead)
                if rest.isEmpty || rest.hasPrefix("#") || lead > indent { continue }  // blank, comment, a value's
                if lead < indent { break }  // shallower, or the next list item: the mapping has ended
                if rest.hasPrefix(key + ":") {
                    again = i
                    break
                }
            }
            return SpecIssue(
                file: file, line: again.map { $0 + 1 } ?? first.line, column: first.column,
                message: "'\(duplicates.joined(separator: "', '"))' is given twice in one mapping"
                    + (again == nil ? "" : " (first at line \(first.line))") + ": keep one")
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            return SpecIssue(
                file: file, line: mark.line, column: mark.column,
                message: "YAML syntax: \(problem)" + (context.map { " (\($0.text))" } ?? ""))
        default:
            return SpecIssue(file: file, line: 1, column: 1, message: "YAML: \(e)")
        }
    }

    static let y = "tag:yaml.org,2002:"
    static let coreTags: Set<String> = Set(["str", "int", "float", "bool", "null", "map", "seq"].map { y + $0 })

    static func convert(_ node: Node, file: String, issues: inout [SpecIssue]) -> SpecNode {
        let mark = node.mark
        let (line, column) = (mark?.line ?? 1, mark?.column ?? 1)
        func fail(_ m: String) -> SpecNode {
            issues.append(SpecIssue(file: file, line: line, column: column, message: m))
            return SpecNode(value: .null, line: line, column: column)
        }
        if case .alias = node {
            return fail("anchors and aliases (*name) are not supported in spec files; write the value out")
        }
        let anchored: Bool
        switch node {
        case .scalar(let s): anchored = s.anchor != nil
        case .mapping(let m): anchored = m.anchor != nil
        case .sequence(let q): anchored = q.anchor != nil
        case .alias: anchored = true
        }
        if anchored {
            return fail("anchors and aliases (&name, *name) are not supported in spec files; write the value out")
        }
        let tag = node.tag.description  // resolved: plain scalars get their core type here
        guard coreTags.contains(tag) else {
            return fail("explicit tag \(tag) is not allowed (spec files hold plain data only)")
        }
        switch node {
        case .scalar(let s):
            if s.style != .plain && s.style != .any {
                return SpecNode(value: .string(s.string), line: line, column: column)
            }
            switch tag {
            case y + "null": return SpecNode(value: .null, line: line, column: column)
            case y + "bool": return SpecNode(value: .bool(Bool.construct(from: s) ?? false), line: line, column: column)
            case y + "int":
                // YAML 1.1 also reads base 60 (`1:20` = 80), hex, octal and `1_000`; a spec's integers
                // are plain decimal numbers.
                let digits =
                    s.string.first.map { "+-".contains($0) } == true ? s.string.dropFirst() : Substring(s.string)
                guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }) else {
                    let reading = SpecParser.yaml11Integer(s.string).map { "as \($0)" } ?? "in another base"
                    return fail(
                        "'\(s.string)' is not a plain decimal integer (YAML 1.1 would read it \(reading)); write the number in decimal, or quote it for a string"
                    )
                }
                if let i = Int(s.string) { return SpecNode(value: .int(i), line: line, column: column) }
                return fail("integer '\(s.string)' is out of range")
            case y + "float":
                if s.string.contains(":") || s.string.contains("_") {
                    return fail(
                        "'\(s.string)' is not a plain decimal number (YAML 1.1 reads ':' as base 60); write it in decimal, or quote it for a string"
                    )
                }
                return SpecNode(value: .double(Double.construct(from: s) ?? .nan), line: line, column: column)
            default: return SpecNode(value: .string(s.string), line: line, column: column)
            }
        case .sequence(let seq):
            return SpecNode(
                value: .list(seq.map { convert($0, file: file, issues: &issues) }), line: line, column: column)
        case .mapping(let map):
            var pairs: [(String, SpecNode, SpecNode)] = []
            var seen = Set<String>()
            for (k, v) in map {
                let keyNode = convert(k, file: file, issues: &issues)
                guard let key = keyNode.string ?? k.scalar?.string else {
                    issues.append(
                        SpecIssue(
                            file: file, line: keyNode.line, column: keyNode.column,
                            message: "mapping keys must be plain strings"))
                    continue
                }
                if !seen.insert(key).inserted {
                    issues.append(
                        SpecIssue(
                            file: file, line: keyNode.line, column: keyNode.column,
                            message: "key '\(key)' appears twice in this mapping"))
                }
                pairs.append((key, keyNode, convert(v, file: file, issues: &issues)))
            }
            return SpecNode(
                value: .map(pairs.map { (key: $0.0, keyNode: $0.1, value: $0.2) }), line: line, column: column)
        case .alias:
            return fail("anchors and aliases are not supported")
        }
    }
}

/// One problem in a spec file.
public struct SpecIssue: Equatable, CustomStringConvertible, Sendable, Codable {
    public var file: String, line: Int, column: Int
    /// The layer concerned (its name, e.g. `lstm_1`), when there is one.
    public var layer: String?
    public var message: String
    /// What to do about it.
    public var hint: String?

    public init(file: String, line: Int, column: Int, layer: String? = nil, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.layer = layer
        self.message = message
        self.hint = hint
    }

    public var description: String {
        // The layer's name leads unless the message already starts with it ("dense_2 returns …").
        let named = layer.map { message.hasPrefix($0 + " ") || message.hasPrefix($0 + ":") ? "" : "\($0): " } ?? ""
        return "\(file):\(line):\(column): " + named + message + (hint.map { "; \($0)" } ?? "")
    }
}

/// All the problems found in a spec, reported together.
public struct SpecErrors: Error, CustomStringConvertible, Equatable {
    public var issues: [SpecIssue]
    /// The issues in file order (by line, then column).
    public init(_ issues: [SpecIssue]) {
        self.issues = issues.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
    }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
