import Foundation
import Tensors

#if canImport(Glibc)
    import Glibc
#endif

/// Word vectors: `matrix [words.count, dimension]`, row i for `words[i]`.
public struct WordVectors {
    public let words: [String]
    public let dimension: Int
    public let matrix: Tensor
    /// Row of each word.
    public let index: [String: Int]
    /// Lines whose word was seen before (the first vector is kept).
    public let duplicates: Int

    /// The vector of `word`, or nil.
    public func vector(_ word: String) -> [Float]? {
        guard let r = index[word] else { return nil }
        return matrix.withUnsafeBufferPointer { Array($0[(r * dimension)..<((r + 1) * dimension)]) }
    }
}

/// What to put in the embedding row of a vocabulary word that has no pretrained vector.
public enum MissingWordPolicy: Codable, Equatable, Sendable {
    case zeros
    /// Uniform in `[−scale, scale]` from a seeded generator.
    case random(scale: Float, seed: UInt64)
    /// The mean of all the vectors found.
    case mean
}

/// How much of a vocabulary and a corpus the pretrained vectors cover.
public struct CoverageReport: Equatable, CustomStringConvertible, Sendable {
    /// Vocabulary words (padding and OOV excluded) that have a vector, and how many there are.
    public var wordsCovered: Int, words: Int
    /// Corpus tokens whose word has a vector, and all corpus tokens.
    public var tokensCovered: Int, tokens: Int
    public var wordFraction: Double { words == 0 ? 0 : Double(wordsCovered) / Double(words) }
    public var tokenFraction: Double { tokens == 0 ? 0 : Double(tokensCovered) / Double(tokens) }
    public var description: String {
        String(
            format: "vectors for %d of %d vocabulary words (%.1f%%), covering %.1f%% of %d corpus tokens",
            wordsCovered, words, 100 * wordFraction, 100 * tokenFraction, tokens)
    }
}

/// Loads GloVe's text format: a word, then its floats, space-separated, one word a line
/// (an optional word2vec header line `count dimension` is recognised and skipped).
///
/// The file is streamed in 4 MB chunks, never read whole; every line must have the same
/// dimension; a bad line (wrong count, a non-numeric value, an empty word) is an error naming
/// the file and line. A trailing space and Windows line endings are tolerated.
///
/// ```swift
/// let vectors = try GloVe.load(URL(fileURLWithPath: "glove.6B.50d.txt"), keeping: Set(vocab.tokens))
/// let (matrix, coverage) = GloVe.embeddingMatrix(vectors, vocabulary: vocab)   // [vocab.count, 50]
/// try embedding.setWeights(matrix)                  // print(coverage): how many words had a vector
/// ```
public enum GloVe {
    static let chunk = 4 << 20

    /// Loads every word, or only the words in `keeping`.
    public static func load(_ url: URL, keeping: Set<String>? = nil) throws -> WordVectors {
        let path = url.path
        guard let f = fopen(path, "rb") else {
            throw TextError.io(path: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        // Pass 1 (full load only): count lines, so the matrix is allocated once at its final size.
        var lineCount = 0
        if keeping == nil {
            let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
            defer { buf.deallocate() }
            var last: UInt8 = 10
            while true {
                let n = fread(buf, 1, chunk, f)
                if n == 0 { break }
                var p = UnsafeRawPointer(buf)
                let stop = UnsafeRawPointer(buf + n)
                while let hit = memchr(p, 10, stop - p) {
                    lineCount += 1
                    p = UnsafeRawPointer(hit) + 1
                }
                last = buf[n - 1]
            }
            if last != 10 { lineCount += 1 }
            rewind(f)
        }
        let reader = LineReader(file: f, path: path)
        // The first data line fixes the dimension (its field count); it is then read like any other.
        var header = false
        var first: LineReader.Line? = nil
        while first == nil, let line = try reader.next() {
            if line.bytes.isEmpty { continue }
            let fields = line.bytes.split(separator: 32, omittingEmptySubsequences: false)
            if reader.lineNumber == 1, fields.count == 2,
                fields.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= 48 && $0 <= 57 } })
            {
                header = true
                continue
            }
            first = line
        }
        guard let first else { throw TextError.io(path: path, message: "no word vectors in the file") }
        let dim = first.bytes.reduce(0) { $0 + ($1 == 32 ? 1 : 0) }
        let capacity = keeping.map { $0.count } ?? (lineCount - (header ? 1 : 0))
        var words: [String] = []
        words.reserveCapacity(capacity)
        var index: [String: Int] = [:]
        index.reserveCapacity(capacity)
        var duplicates = 0
        var matrix = Tensor(shape: [max(capacity, 1), max(dim, 1)]) { _, _ in }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(dim, 1))
        defer { scratch.deallocate() }
        try matrix.withUnsafeMutableBufferPointer { m in
            func read(_ line: LineReader.Line) throws {
                let b = line.bytes
                guard let space = b.firstIndex(of: 32) else {
                    throw TextError.badLine(
                        path: path, line: line.number, message: "expected a word and numbers, found one field")
                }
                guard space > b.startIndex else {
                    throw TextError.badLine(
                        path: path, line: line.number, message: "empty word (the line starts with a space)")
                }
                let word = String(decoding: UnsafeBufferPointer(rebasing: b[..<space]), as: UTF8.self)
                if let keeping, !keeping.contains(word) {
                    // Still check the field count, cheaply.
                    var fields = 1
                    for c in b[space...] where c == 32 { fields += 1 }
                    guard fields - 1 == dim else {
                        throw TextError.badLine(
                            path: path, line: line.number,
                            message: "'\(word)' has \(fields - 1) numbers, expected \(dim)")
                    }
                    return
                }
                let fresh = index[word] == nil && words.count < capacity
                // A repeated word is still validated (into a scratch row); its first vector is kept.
                try parseRow(
                    b, from: space, into: fresh ? m.baseAddress! + words.count * dim : scratch, dimension: dim,
                    word: word, path: path, line: line.number)
                if fresh {
                    index[word] = words.count
                    words.append(word)
                } else {
                    duplicates += 1
                }
            }
            try read(first)  // before the next read, which reuses the line buffer
            while let line = try reader.next() {
                if !line.bytes.isEmpty { try read(line) }
            }
        }
        if words.count < max(capacity, 1) {  // filtered load: keep only the rows filled
            matrix = try withNoGrad { try matrix.slice(axis: 0, start: 0, length: words.count) }
            matrix = Tensor(shape: matrix.shape) { p, n in
                matrix.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: n) }
            }
        }
        return WordVectors(words: words, dimension: dim, matrix: matrix, index: index, duplicates: duplicates)
    }

    /// Parses the `dimension` numbers after the word (which ends at `space`) straight into `row`.
    static func parseRow(
        _ b: UnsafeBufferPointer<UInt8>, from space: Int, into row: UnsafeMutablePointer<Float>, dimension: Int,
        word: String, path: String, line: Int
    ) throws {
        var k = 0
        var i = space + 1
        let end = b.count
        while i <= end {
            var j = i
            while j < end && b[j] != 32 { j += 1 }
            guard k < dimension else {
                var extra = k + 1
                for c in b[j...] where c == 32 { extra += 1 }
                throw TextError.badLine(
                    path: path, line: line, message: "'\(word)' has \(extra) numbers, expected \(dimension)")
            }
            guard let v = FloatParser.parse(b[i..<j]), v.isFinite else {  // 1e39 parses to inf: refused too
                throw TextError.badLine(
                    path: path, line: line,
                    message:
                        "value \(k + 1) of '\(word)' is not a finite number: '\(String(decoding: UnsafeBufferPointer(rebasing: b[i..<j]), as: UTF8.self))'"
                )
            }
            row[k] = v
            k += 1
            i = j + 1
        }
        guard k == dimension else {
            throw TextError.badLine(
                path: path, line: line, message: "'\(word)' has \(k) numbers, expected \(dimension)")
        }
    }

    /// An embedding matrix `[vocabulary.count, dimension]` aligned to `vocabulary`: row i is the
    /// vector of token i, row 0 (padding) is zeros, and words without a vector (OOV included)
    /// follow `missing`. `corpusCounts` (token → count) feeds the coverage report.
    public static func embeddingMatrix(
        _ vectors: WordVectors, vocabulary: Vocabulary, missing: MissingWordPolicy = .zeros,
        corpusCounts: [String: Int] = [:]
    ) -> (matrix: Tensor, coverage: CoverageReport) {
        let d = vectors.dimension
        var mean = [Float](repeating: 0, count: d)
        if case .mean = missing, !vectors.words.isEmpty {
            vectors.matrix.withUnsafeBufferPointer { m in
                for r in 0..<vectors.words.count { for j in 0..<d { mean[j] += m[r * d + j] } }
            }
            for j in 0..<d { mean[j] /= Float(vectors.words.count) }
        }
        var rng: SeededGenerator? = nil
        if case .random(_, let seed) = missing { rng = SeededGenerator(seed: seed) }
        var covered = 0
        let out = Tensor(shape: [vocabulary.count, d]) { p, _ in
            vectors.matrix.withUnsafeBufferPointer { m in
                for (i, tok) in vocabulary.tokens.enumerated() {
                    let row = p + i * d
                    if i == Vocabulary.paddingIndex {
                        row.update(repeating: 0, count: d)
                        continue
                    }
                    if i != Vocabulary.oovIndex, let r = vectors.index[tok] {
                        row.update(from: m.baseAddress! + r * d, count: d)
                        covered += 1
                        continue
                    }
                    switch missing {
                    case .zeros: row.update(repeating: 0, count: d)
                    case .mean: for j in 0..<d { row[j] = mean[j] }
                    case .random(let scale, _): for j in 0..<d { row[j] = (2 * rng!.nextUnitFloat() - 1) * scale }
                    }
                }
            }
        }
        var tokens = 0
        var tokensCovered = 0
        for (t, c) in corpusCounts {
            tokens += c
            if vectors.index[t] != nil { tokensCovered += c }
        }
        return (
            out,
            CoverageReport(
                wordsCovered: covered, words: vocabulary.count - 2, tokensCovered: tokensCovered, tokens: tokens)
        )
    }
}

/// Reads a file line by line through one fixed buffer (refilled with `fread`, the partial last
/// line moved to the front); each line's bytes exclude `\n`, a final `\r` and trailing spaces.
/// A line longer than the buffer grows it.
final class LineReader {
    struct Line {
        var bytes: UnsafeBufferPointer<UInt8>
        var number: Int
    }
    let file: UnsafeMutablePointer<FILE>
    let path: String
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0, end = 0
    private var eof = false
    private(set) var lineNumber = 0

    init(file: UnsafeMutablePointer<FILE>, path: String, capacity: Int = GloVe.chunk) {
        self.file = file
        self.path = path
        self.capacity = capacity
        buffer = .allocate(capacity: capacity)
    }
    deinit { buffer.deallocate() }

    /// The next line; its bytes are valid until the following call.
    func next() throws -> Line? {
        while true {
            if start < end, let nl = memchr(buffer + start, 10, end - start) {
                let stop = nl.assumingMemoryBound(to: UInt8.self) - buffer
                let line = trim(start, stop)
                start = stop + 1
                lineNumber += 1
                return Line(bytes: line, number: lineNumber)
            }
            if eof {
                guard start < end else { return nil }
                let line = trim(start, end)
                start = end
                lineNumber += 1
                return Line(bytes: line, number: lineNumber)
            }
            let partial = end - start
            if partial > 0 && start > 0 { memmove(buffer, buffer + start, partial) }
            start = 0
            end = partial
            if end == capacity {  // one line longer than the buffer
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.update(from: buffer, count: end)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = fread(buffer + end, 1, capacity - end, file)
            end += n
            if n == 0 {
                if ferror(file) != 0 { throw TextError.io(path: path, message: "read error") }
                eof = true
            }
        }
    }

    private func trim(_ s: Int, _ e: Int) -> UnsafeBufferPointer<UInt8> {
        var e = e
        while e > s && (buffer[e - 1] == 13 || buffer[e - 1] == 32) { e -= 1 }
        return UnsafeBufferPointer(start: buffer + s, count: e - s)
    }
}

/// Decimal text → Float: `[+-]digits[.digits][(e|E)[+-]digits]`, no locale, no allocation.
enum FloatParser {
    static let pow10: [Double] = (0...340).map { Double("1e\($0)")! }

    static func parse(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> Float? {
        var i = s.startIndex
        let end = s.endIndex
        guard i < end else { return nil }
        var negative = false
        if s[i] == 45 || s[i] == 43 {
            negative = s[i] == 45
            i += 1
        }
        var mantissa: UInt64 = 0
        var exp10 = 0
        var digits = 0
        var dropped = 0
        while i < end, s[i] >= 48, s[i] <= 57 {
            if digits < 19 {
                mantissa = mantissa * 10 + UInt64(s[i] - 48)
                digits += 1
            } else {
                dropped += 1
            }
            i += 1
        }
        var sawDigit = digits > 0 || dropped > 0
        if i < end, s[i] == 46 {
            i += 1
            while i < end, s[i] >= 48, s[i] <= 57 {
                if digits < 19 {
                    mantissa = mantissa * 10 + UInt64(s[i] - 48)
                    digits += 1
                    exp10 -= 1
                }
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit else { return nil }
        exp10 += dropped
        if i < end, s[i] == 101 || s[i] == 69 {
            i += 1
            var eneg = false
            if i < end, s[i] == 45 || s[i] == 43 {
                eneg = s[i] == 45
                i += 1
            }
            var e = 0
            var eDigits = 0
            while i < end, s[i] >= 48, s[i] <= 57 {
                if e < 10000 { e = e * 10 + Int(s[i] - 48) }
                eDigits += 1
                i += 1
            }
            guard eDigits > 0 else { return nil }
            exp10 += eneg ? -e : e
        }
        guard i == end else { return nil }
        var v = Double(mantissa)
        if exp10 < 0 {
            v /= exp10 >= -340 ? pow10[-exp10] : .infinity
        } else if exp10 > 0 {
            v *= exp10 <= 340 ? pow10[exp10] : .infinity
        }
        let f = Float(v)
        return negative ? -f : f
    }
}
