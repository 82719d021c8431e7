import Foundation

/// Pairs of texts for sequence-to-sequence models: a source and the target it maps to
/// (`"535+61"` → `"596"`, `"speech"` → `"S P IY1 CH"`), each with the line it came from.
public struct SequencePairs: Sendable {
    public var pairs: [(source: String, target: String)]
    /// The 1-based line of each pair in its file (0 for generated pairs).
    public var lines: [Int]
    public var path: String
    public var report: LoadReport
    /// Which pairs the source holds out for testing (a stable split it decides, e.g. by a hash of
    /// the word); nil: the spec's seeded split applies.
    public var isTest: [Bool]? = nil

    public init(
        pairs: [(source: String, target: String)], lines: [Int], path: String, report: LoadReport = LoadReport(),
        isTest: [Bool]? = nil
    ) {
        (self.pairs, self.lines, self.path, self.report, self.isTest) = (pairs, lines, path, report, isTest)
    }

    /// `source<delimiter>target` lines (tab by default); blank lines are skipped, a line without
    /// exactly one delimiter or with an empty side is an error naming the line (or, with
    /// `.skip`, left out and counted).
    public static func load(_ url: URL, delimiter: Character = "\t", onBadRecord: OnBadRecord = .fail) throws
        -> SequencePairs
    {
        let text = try FileText.read(url)
        var pairs: [(String, String)] = []
        var lines: [Int] = []
        var report = LoadReport()
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let parts = line.split(separator: delimiter, omittingEmptySubsequences: false)
            let shown = delimiter == "\t" ? "TAB" : "'\(delimiter)'"
            guard parts.count == 2 else {
                try report.bad(
                    .record(
                        path: url.path, line: i + 1,
                        message:
                            "expected 'source\(shown)target' (one \(shown)), found \(parts.count - 1) in '\(line.prefix(60))'"
                    ),
                    onBadRecord)
                continue
            }
            let (s, t) = (parts[0].trimmingCharacters(in: .whitespaces), parts[1].trimmingCharacters(in: .whitespaces))
            guard !s.isEmpty, !t.isEmpty else {
                try report.bad(
                    .record(path: url.path, line: i + 1, message: "the \(s.isEmpty ? "source" : "target") is empty"),
                    onBadRecord)
                continue
            }
            pairs.append((s, t))
            lines.append(i + 1)
        }
        guard !pairs.isEmpty else { throw DataError.io(path: url.path, message: "no pairs in the file") }
        report.loaded = pairs.count
        return SequencePairs(pairs: pairs, lines: lines, path: url.path, report: report)
    }

    /// The Keras addition task: `count` distinct questions `"a+b"` with operands of 1…`digits`
    /// digits and their sums as targets, drawn from `seed` (the same seed gives the same pairs).
    public static func addition(count: Int, digits: Int, seed: UInt64) throws -> SequencePairs {
        guard (1...9).contains(digits) else { throw DataError.invalid("digits must be in 1…9, got \(digits)") }
        var limit = 1
        for _ in 0..<digits { limit *= 10 }
        // Questions are unordered pairs {a, b}: at most limit·(limit+1)/2 distinct ones.
        let distinct = limit * (limit + 1) / 2
        guard count >= 1, count <= distinct else {
            throw DataError.invalid("count must be in 1…\(distinct) for \(digits)-digit operands, got \(count)")
        }
        var rng = SplitMix64(seed: seed)
        var seen = Set<Int>()
        var pairs: [(String, String)] = []
        func operand() -> Int {
            // A length of 1…digits, then a number of that length (as Keras's example draws them).
            let length = Int(rng.next() % UInt64(digits)) + 1
            var n = 0
            for _ in 0..<length { n = n * 10 + Int(rng.next() % 10) }
            return n
        }
        while pairs.count < count {
            let (a, b) = (operand(), operand())
            let key = min(a, b) * limit + max(a, b)
            guard seen.insert(key).inserted else { continue }
            pairs.append(("\(a)+\(b)", "\(a + b)"))
        }
        return SequencePairs(pairs: pairs, lines: Array(repeating: 0, count: count), path: "addition")
    }
}

extension SequencePairs {
    /// The CMU Pronouncing Dictionary (`word PH1 PH2 …` lines, ARPAbet): word → phonemes.
    /// Alternative pronunciations (`word(2)`) are left out — each word keeps its first, main
    /// one, so a word has one target — unless `alternatives` is true (or, for the test words
    /// only, `testAlternatives`: their other pronunciations become further test pairs with the
    /// same source, which the decoded metrics read as references). Without `stress`, the
    /// vowels' stress digits are dropped (`AH0` → `AH`: the 39-phoneme set G2P results on
    /// CMUdict are usually reported on). `# …` comments are dropped. A pair is a test pair when
    /// the FNV-1a hash of its word modulo 100 is below `testPercent`: a split that never moves.
    public static func cmudict(
        _ url: URL, stress: Bool = false, alternatives: Bool = false, testAlternatives: Bool = false,
        testPercent: Int = 5, onBadRecord: OnBadRecord = .fail
    ) throws -> SequencePairs {
        let text = try FileText.read(url)
        var pairs: [(String, String)] = []
        var lines: [Int] = []
        var isTest: [Bool] = []
        var report = LoadReport()
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let fields = line.split(separator: " ")
            guard let first = fields.first else { continue }  // blank or comment-only
            var word = String(first)
            var alternative = false
            if word.hasSuffix(")"), let open = word.lastIndex(of: "("),
                Int(word[word.index(after: open)..<word.index(before: word.endIndex)]) != nil
            {
                guard alternatives || testAlternatives else { continue }
                word = String(word[..<open])
                alternative = true
            }
            guard fields.count >= 2 else {
                try report.bad(.record(path: url.path, line: i + 1, message: "'\(word)' has no phonemes"), onBadRecord)
                continue
            }
            let phones = fields.dropFirst().map { p in stress ? String(p) : String(p.filter { !$0.isNumber }) }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in word.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            let test = Int(h % 100) < testPercent
            if alternative && !alternatives && !test { continue }  // testAlternatives: test words only
            pairs.append((word, phones.joined(separator: " ")))
            lines.append(i + 1)
            isTest.append(test)
        }
        guard !pairs.isEmpty else { throw DataError.io(path: url.path, message: "no entries in the dictionary") }
        report.loaded = pairs.count
        return SequencePairs(pairs: pairs, lines: lines, path: url.path, report: report, isTest: isTest)
    }
}

/// A small seeded generator (SplitMix64) for generated data sets.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
