/// Splits cleaned text into tokens.
///
/// - `words`: split on whitespace and punctuation; apostrophes inside words stay (`don't`),
///   `<placeholder>` tokens from cleaning stay whole. With `ngrams: n > 1`, the word n-grams up to
///   n are appended, joined by a space (`"not good"`).
/// - `characters`: every character (grapheme cluster) is a token, spaces included.
public enum Tokenizer: Codable, Equatable, Sendable {
    case words(ngrams: Int)
    case characters

    /// Word tokens without n-grams.
    public static let words = Tokenizer.words(ngrams: 1)

    public func tokenize(_ text: String) -> [String] {
        switch self {
        case .characters: return text.map(String.init)
        case let .words(n):
            let base = Tokenizer.splitWords(text)
            guard n > 1 else { return base }
            var out = base
            for size in 2...n where base.count >= size {
                for i in 0...(base.count - size) { out.append(base[i..<(i + size)].joined(separator: " ")) }
            }
            return out
        }
    }

    static func splitWords(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        let chars = Array(text)
        var k = 0
        func flush() { if !current.isEmpty { out.append(current); current = "" } }
        while k < chars.count {
            let c = chars[k]
            if c == "<", let close = chars[(k + 1)...].firstIndex(of: ">"), close > k + 1,
               chars[(k + 1)..<close].allSatisfy({ $0.isLetter || $0 == "_" }) {
                flush(); out.append(String(chars[k...close])); k = close + 1; continue
            }
            if c.isLetter || c.isNumber || c == "_" {
                current.append(c)
            } else if (c == "'" || c == "’"), !current.isEmpty, k + 1 < chars.count, chars[k + 1].isLetter {
                current.append("'")
            } else {
                flush()
            }
            k += 1
        }
        flush()
        return out
    }
}
