import Foundation

/// `unroll train --set key=value`: a change to a spec, made before it is validated, so an
/// overridden value is checked like a written one. The key is a dotted path: mapping keys,
/// list indices from 0, or a list entry's `name` (`model.0.units=64`, `graph.nodes.out.units=3`,
/// `optimizer.learning_rate=0.01`, `epochs=3`); the value is read as YAML (`true`, `[1, 2]`,
/// `{type: adam}`). Missing keys are added; a list entry that is not there is an error.
public struct SpecOverride: Equatable, Sendable {
    public var path: [String]
    public var valueText: String

    /// Parses `key=value` (the first `=` separates them); errors name `option` and its `example`.
    public init(_ text: String, option: String = "--set", example: String = "epochs=3") throws {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw SpecErrors([
                SpecIssue(file: option, line: 1, column: 1, message: "'\(text)' is not key=value (e.g. \(example))")
            ])
        }
        path = text[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        valueText = String(text[text.index(after: eq)...])
        guard !path.contains(where: \.isEmpty) else {
            throw SpecErrors([
                SpecIssue(file: option, line: 1, column: 1, message: "'\(text)': the key has an empty part")
            ])
        }
    }

    var key: String { path.joined(separator: ".") }

    /// `root` with this override applied; the new value takes the position of what it replaces
    /// (or of the mapping it is added to), so later errors point into the spec file.
    func apply(to root: SpecNode, file: String) throws -> SpecNode {
        let parsed = try SpecParser.parse(valueText.isEmpty ? "\"\"" : valueText, file: "--set \(key)")
        return try set(root, path[...], parsed, file: file)
    }

    /// `value` (parsed from the `--set` text) with every node at `place`'s position and marked as
    /// given by this key: its own positions are in the option's text, not in the file.
    private func marked(_ value: SpecNode, at place: SpecNode) -> SpecNode {
        var v = value
        (v.line, v.column, v.setBy) = (place.line, place.column, key)
        switch v.value {
        case .list(let items): v.value = .list(items.map { marked($0, at: place) })
        case .map(let pairs):
            v.value = .map(pairs.map { ($0.key, marked($0.keyNode, at: place), marked($0.value, at: place)) })
        default: break
        }
        return v
    }

    private func set(_ node: SpecNode, _ rest: ArraySlice<String>, _ value: SpecNode, file: String) throws -> SpecNode {
        guard let head = rest.first else { return marked(value, at: node) }
        func fail(_ message: String) -> SpecErrors {
            SpecErrors([
                SpecIssue(file: file, line: node.line, column: node.column, message: "--set \(key): \(message)")
            ])
        }
        switch node.value {
        case .map(var pairs):
            if let i = pairs.firstIndex(where: { $0.key == head }) {
                pairs[i].value = try set(pairs[i].value, rest.dropFirst(), value, file: file)
            } else {  // a new key (and new mappings on the way: split.validation without a split)
                let empty = SpecNode(value: .map([]), line: node.line, column: node.column, setBy: key)
                pairs.append(
                    (
                        head, SpecNode(value: .string(head), line: node.line, column: node.column, setBy: key),
                        try set(empty, rest.dropFirst(), value, file: file)
                    ))
            }
            var out = node
            out.value = .map(pairs)
            return out
        case .list(var items):
            let i =
                Int(head)
                ?? items.firstIndex { $0["name"]?.string == head }
            guard let i, items.indices.contains(i) else {
                throw fail("'\(head)' is neither an index 0…\(items.count - 1) nor the name of an entry")
            }
            items[i] = try set(items[i], rest.dropFirst(), value, file: file)
            var out = node
            out.value = .list(items)
            return out
        default:
            throw fail("'\(head)' goes inside \(node.typeName), which has no keys")
        }
    }
}
