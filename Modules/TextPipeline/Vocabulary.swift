import Foundation

/// Token ↔ index mapping, like Keras `TextVectorization`: index 0 is padding (`""`), index 1 is
/// out-of-vocabulary (`[UNK]`), then tokens by falling frequency (ties: first occurrence first).
///
/// `maxTokens` counts everything, padding and OOV included (as Keras's `max_tokens`), so
/// `maxTokens: 1001` keeps the 999 most frequent tokens and an `Embedding(input_dim: 1001)` fits.
///
/// ```swift
/// let v = Vocabulary.build(from: [["the", "film", "the"], ["a", "film", "the"]], maxTokens: 4)
/// v.tokens                      // ["", "[UNK]", "the", "film"]: padding, OOV, then by count ("a" is cut)
/// v.encode(["the", "plot"])     // [2, 1]: "plot" is out of vocabulary
/// ```
public struct Vocabulary: Codable, Equatable, Sendable {
    public static let padding = ""
    public static let oov = "[UNK]"
    public static let paddingIndex = 0, oovIndex = 1

    /// Tokens by index.
    public let tokens: [String]
    private let index: [String: Int]

    /// A vocabulary from its token list (index order). The first two must be `""` and `[UNK]`.
    public init(tokens: [String]) throws {
        guard tokens.count >= 2, tokens[0] == Vocabulary.padding, tokens[1] == Vocabulary.oov else {
            throw TextError.invalid("a vocabulary must start with the padding token \"\" and \"[UNK]\"")
        }
        var idx: [String: Int] = [:]
        for (i, t) in tokens.enumerated() {
            guard idx[t] == nil else {
                throw TextError.invalid("token '\(t)' appears twice in the vocabulary (indices \(idx[t]!) and \(i))")
            }
            idx[t] = i
        }
        self.tokens = tokens
        self.index = idx
    }

    /// Builds from tokenized documents.
    public static func build(from documents: [[String]], maxTokens: Int? = nil, minCount: Int = 1) -> Vocabulary {
        ranked(documents, maxTokens: maxTokens, minCount: minCount)
    }

    /// Counts the tokens (and, with `labels`, how many texts of each of `classes` classes contain
    /// each one), keeps those seen at least `minCount` times, orders them by `score` of those
    /// per-class counts when given, then by count, then by first occurrence, and keeps the first
    /// `maxTokens − 2`.
    static func ranked(
        _ documents: [[String]], labels: [Int]? = nil, classes: Int = 0, maxTokens: Int?, minCount: Int,
        score: (([Int]) -> Double)? = nil
    ) -> Vocabulary {
        var counts: [String: Int] = [:]
        var first: [String: Int] = [:]
        var present: [String: [Int]] = [:]
        var position = 0
        for (d, doc) in documents.enumerated() {
            var seen = Set<String>()
            for t in doc {
                counts[t, default: 0] += 1
                if first[t] == nil { first[t] = position }
                position += 1
                if let labels, seen.insert(t).inserted {
                    present[t, default: [Int](repeating: 0, count: classes)][labels[d]] += 1
                }
            }
        }
        counts[padding] = nil
        counts[oov] = nil
        var ranked = counts.filter { $0.value >= minCount }.map(\.key)
        let scores =
            score.map { s in Dictionary(uniqueKeysWithValues: ranked.map { ($0, s(present[$0] ?? [])) }) } ?? [:]
        ranked.sort { (scores[$0] ?? 0, counts[$0]!, -first[$0]!) > (scores[$1] ?? 0, counts[$1]!, -first[$1]!) }
        if let maxTokens { ranked = Array(ranked.prefix(max(0, maxTokens - 2))) }
        return Vocabulary(unchecked: [padding, oov] + ranked)
    }

    /// Tokens known to be unique and to start with padding and OOV.
    private init(unchecked tokens: [String]) {
        self.tokens = tokens
        var idx: [String: Int] = [:]
        idx.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() { idx[t] = i }
        self.index = idx
    }

    /// Number of entries (padding and OOV included): the `input_dim` of a matching Embedding.
    public var count: Int { tokens.count }

    /// The index of a token, or the OOV index.
    public func id(_ token: String) -> Int { index[token] ?? Vocabulary.oovIndex }
    /// Whether the token has its own entry.
    public func contains(_ token: String) -> Bool { index[token] != nil }
    public func encode(_ tokens: [String]) -> [Int] { tokens.map(id) }
    /// Tokens for indices; out-of-range indices decode as OOV.
    public func decode(_ ids: [Int]) -> [String] {
        ids.map { $0 >= 0 && $0 < tokens.count ? tokens[$0] : Vocabulary.oov }
    }

    /// Plain-text form: one token a line, in index order, with `\` → `\\` and newline → `\n`.
    public func save(to url: URL) throws {
        let body =
            tokens.map {
                $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
                    .replacingOccurrences(of: "\r", with: "\\r")
            }
            .joined(separator: "\n") + "\n"
        try Data(body.utf8).write(to: url, options: .atomic)
    }

    /// Reads the plain-text form written by `save`.
    public static func load(from url: URL) throws -> Vocabulary {
        guard let data = try? Data(contentsOf: url) else {
            throw TextError.io(path: url.path, message: "cannot read the vocabulary file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TextError.io(path: url.path, message: "the vocabulary file is not valid UTF-8")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        let tokens = lines.map { line -> String in
            var out = ""
            var escaped = false
            for c in line {
                if escaped {
                    out.append(c == "n" ? "\n" : c == "r" ? "\r" : c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else {
                    out.append(c)
                }
            }
            return out
        }
        do { return try Vocabulary(tokens: tokens) } catch { throw TextError.io(path: url.path, message: "\(error)") }
    }

    private enum CodingKeys: String, CodingKey { case tokens }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(tokens: try c.decode([String].self, forKey: .tokens))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tokens, forKey: .tokens)
    }
}

/// Errors from text processing; each names the file and line where there is one.
public enum TextError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case io(path: String, message: String)
    case badLine(path: String, line: Int, message: String)
    public var description: String {
        switch self {
        case .invalid(let m): return m
        case .io(let p, let m): return "\(p): \(m)"
        case .badLine(let p, let l, let m): return "\(p):\(l): \(m)"
        }
    }
}
