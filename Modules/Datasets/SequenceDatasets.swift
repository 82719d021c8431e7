import Foundation
import Tensors

/// Next-character prediction windows over a text: `x [N, length]` character ids, `y [N, length]`
/// the ids one step later (many-to-many), windows every `stride` characters.
public struct CharacterCorpus: Sendable {
    /// The characters, sorted; a character's id is its index.
    public let characters: [Character]
    public let ids: [Int]

    public init(text: String, characters: [Character]? = nil) throws {
        let chars = characters ?? Array(Set(text)).sorted()
        let index = Dictionary(uniqueKeysWithValues: chars.enumerated().map { ($1, $0) })
        self.characters = chars
        self.ids = try text.map { c in
            guard let i = index[c] else { throw DataError.invalid("character '\(c)' is not in the corpus alphabet") }
            return i
        }
    }

    public static func load(_ url: URL) throws -> CharacterCorpus { try CharacterCorpus(text: FileText.read(url)) }

    /// The windows; `limit` caps how many are made.
    public func windows(length: Int, stride: Int, limit: Int? = nil) throws -> (x: Tensor, y: Tensor) {
        guard length > 0, stride > 0 else { throw DataError.invalid("length and stride must be positive") }
        guard ids.count > length else {
            throw DataError.invalid("the text (\(ids.count) characters) is not longer than one window (\(length))")
        }
        var starts = Array(Swift.stride(from: 0, to: ids.count - length, by: stride))
        if let limit { starts = Array(starts.prefix(limit)) }
        if let problem = MemoryBudget.problem(
            shape: [starts.count, length], bytesPerElement: 8, what: "the windows (inputs and targets)")
        {
            throw DataError.invalid(problem + "; lower the window length, or raise stride or set limit")
        }
        var x = [Float]()
        var y = [Float]()
        x.reserveCapacity(starts.count * length)
        y.reserveCapacity(starts.count * length)
        for s in starts {
            for j in 0..<length {
                x.append(Float(ids[s + j]))
                y.append(Float(ids[s + j + 1]))
            }
        }
        return (
            try Tensor(shape: [starts.count, length], scalars: x),
            try Tensor(shape: [starts.count, length], scalars: y)
        )
    }
}

/// Token tagging (many-to-many): `token<TAB>tag` a line, a blank line between sentences.
public struct TaggedSentences: Sendable {
    public var sentences: [[(token: String, tag: String)]]
    public var report: LoadReport

    public static func load(_ url: URL, onBadRecord: OnBadRecord = .fail) throws -> TaggedSentences {
        let text = try FileText.read(url)
        var sentences: [[(String, String)]] = []
        var current: [(String, String)] = []
        var report = LoadReport()
        // Split on any line break ("\r\n" is one Character in Swift, so not on "\n" alone).
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !current.isEmpty {
                    sentences.append(current)
                    current = []
                }
                continue
            }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                try report.bad(
                    .record(path: url.path, line: i + 1, message: "expected 'token<TAB>tag', got '\(line.prefix(60))'"),
                    onBadRecord)
                continue
            }
            current.append((String(parts[0]), String(parts[1])))
        }
        if !current.isEmpty { sentences.append(current) }
        report.loaded = sentences.count
        return TaggedSentences(sentences: sentences, report: report)
    }
}

/// Numeric CSV for feed-forward models: feature columns, then the label column; no header by default.
public struct NumericTable {
    /// `x [N, features]`, `y [N]`.
    public var x: Tensor, y: Tensor
    public var report: LoadReport

    public static func load(_ url: URL, header: Bool = false, onBadRecord: OnBadRecord = .fail) throws -> NumericTable {
        let (table, tableReport) = try DelimitedTable.load(
            url, delimiter: ",", header: header, onBadRecord: onBadRecord)
        var report = tableReport
        let width = table.columns.count
        guard width >= 2 else {
            throw DataError.io(path: url.path, message: "needs at least one feature column and a label column")
        }
        var xs: [Float] = []
        var ys: [Float] = []
        var n = 0
        for (r, row) in table.rows.enumerated() {
            var values: [Float] = []
            var bad: String? = nil
            for (c, f) in row.enumerated() {
                guard let v = Float(f.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    bad = "column \(c + 1) is not a number: '\(f.prefix(30))'"
                    break
                }
                values.append(v)
            }
            if let bad {
                try report.bad(.record(path: url.path, line: table.lines[r], message: bad), onBadRecord)
                continue
            }
            xs += values.dropLast()
            ys.append(values.last!)
            n += 1
        }
        report.loaded = n
        return NumericTable(x: try Tensor(shape: [n, width - 1], scalars: xs), y: Tensor(ys), report: report)
    }
}
