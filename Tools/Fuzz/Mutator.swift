import Foundation
import Tensors

/// Seeded byte mutations, as a mutation fuzzer makes them: bit flips, interesting bytes,
/// insertions, deletions, duplicated runs, splices with another seed, and tokens that have broken
/// parsers before (huge and negative numbers, NaN, base-60 integers, `..`, `<pad>`).
struct Mutator {
    var rng: SeededGenerator
    let seeds: [Data]

    static let tokens: [String] = [
        "-1", "0", "1e39", "-1e19", "1e30", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "2147483648",
        "1:20", "0x40", "nan", "NaN", ".nan", "inf", "-inf", ".inf", "null", "[]", "{}", "\"\"", "''", "..", "/",
        "../../x", "<pad>",
        "\t", "\n", "\r\n", "\u{0}", "é", "e\u{301}", "~", "&a", "*a", "!!python/object", "true", "1000000000000",
        "ngrams: 1000000000000",
    ]
    static let bytes: [UInt8] = [
        0, 0xff, 0x7f, 0x80, UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\""), UInt8(ascii: ":"),
        UInt8(ascii: "-"), UInt8(ascii: "9"), UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ","),
        UInt8(ascii: " "),
    ]

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    /// One to four mutations of a seed chosen at random.
    mutating func next() -> Data {
        var d = [UInt8](seeds[below(seeds.count)])
        for _ in 0...below(4) {
            let at = below(d.count + 1)
            switch below(8) {
            case 0 where !d.isEmpty: d[min(at, d.count - 1)] ^= UInt8(1 << below(8))
            case 1 where !d.isEmpty: d[min(at, d.count - 1)] = Mutator.bytes[below(Mutator.bytes.count)]
            case 2: d.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
            case 3 where !d.isEmpty:
                let n = 1 + below(min(16, d.count - min(at, d.count - 1)))
                d.removeSubrange(min(at, d.count - 1)..<min(d.count, min(at, d.count - 1) + n))
            case 4 where !d.isEmpty:
                let start = below(d.count)
                let n = 1 + below(min(32, d.count - start))
                d.insert(contentsOf: d[start..<(start + n)], at: at)
            case 5:
                let other = [UInt8](seeds[below(seeds.count)])
                if !other.isEmpty {
                    let s = below(other.count)
                    d.insert(contentsOf: other[s..<min(other.count, s + 1 + below(64))], at: at)
                }
            default:
                // Replace a number-like run (or insert) with a token.
                var end = at
                while end < d.count, d[end] != UInt8(ascii: ","), d[end] != UInt8(ascii: "}"),
                    d[end] != UInt8(ascii: "\n"), end - at < 24
                { end += 1 }
                d.replaceSubrange(
                    at..<(below(2) == 0 ? end : at), with: Array(Mutator.tokens[below(Mutator.tokens.count)].utf8))
            }
        }
        return Data(d)
    }
}
