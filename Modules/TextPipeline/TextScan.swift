/// Hand-written scanners behind the cleaning steps (no regular expressions: they are the
/// hot path of text loading, and each rule stays readable in a few lines).
enum TextScan {
    static func isWordChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    /// Replaces every `<…>` tag (a `<` followed by a letter, `/` or `!`, up to the next `>`) by a space.
    static func stripTags(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "<", let next = s.index(i, offsetBy: 1, limitedBy: s.endIndex), next < s.endIndex,
                s[next].isLetter || s[next] == "/" || s[next] == "!",
                let close = s[next...].firstIndex(where: { $0 == ">" || $0 == "<" }), s[close] == ">"
            {
                out.append(" ")
                i = s.index(after: close)
                continue
            }
            out.append(c)
            i = s.index(after: i)
        }
        return out
    }

    static func isURL(_ w: Substring) -> Bool {
        let l = w.lowercased()
        return l.hasPrefix("http://") || l.hasPrefix("https://") || l.hasPrefix("www.")
    }

    /// Replaces whitespace-separated words for which `match` holds.
    static func replaceWords(_ s: String, _ replacement: String, _ match: (Substring) -> Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var i = s.startIndex
        while i < s.endIndex {
            if s[i].isWhitespace {
                out.append(s[i])
                i = s.index(after: i)
                continue
            }
            let end = s[i...].firstIndex(where: \.isWhitespace) ?? s.endIndex
            let word = s[i..<end]
            out += match(word) ? replacement : String(word)
            i = end
        }
        return out
    }

    /// Handles `@name` / `#tag` at the start of a word: replaced, or (keepWord) only the marker dropped.
    static func replacePrefixed(_ s: String, _ marker: Character, _ replacement: String, keepWord: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var i = s.startIndex
        var previous: Character? = nil
        while i < s.endIndex {
            let c = s[i]
            let atWordStart = previous == nil || !(isWordChar(previous!) || previous == marker)
            if c == marker, atWordStart, let n = s.index(i, offsetBy: 1, limitedBy: s.endIndex), n < s.endIndex,
                isWordChar(s[n])
            {
                let end = s[n...].firstIndex(where: { !isWordChar($0) }) ?? s.endIndex
                out += keepWord ? String(s[n..<end]) : replacement
                previous = s[s.index(before: end)]
                i = end
                continue
            }
            out.append(c)
            previous = c
            i = s.index(after: i)
        }
        return out
    }

    /// Keeps letters, digits, whitespace, apostrophes between letters, and `<word>` placeholders.
    static func specialCharactersToSpace(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        let chars = Array(s)
        var k = 0
        while k < chars.count {
            let c = chars[k]
            if c == "<", let close = chars[(k + 1)...].firstIndex(of: ">"), close > k + 1,
                chars[(k + 1)..<close].allSatisfy({ $0.isLetter || $0 == "_" })
            {
                out += String(chars[k...close])
                k = close + 1
                continue
            }
            if c.isLetter || c.isNumber || c.isWhitespace {
                out.append(c)
            } else if c == "'" || c == "’", k > 0, k + 1 < chars.count, chars[k - 1].isLetter, chars[k + 1].isLetter {
                out.append("'")
            } else {
                out.append(" ")
            }
            k += 1
        }
        return out
    }

    static func replaceDigits(_ s: String, _ replacement: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var inRun = false
        for c in s {
            if c.isNumber && c.isASCII || c.unicodeScalars.first.map({ $0.properties.numericType == .decimal }) == true
            {
                if !inRun { out += replacement }
                inRun = true
            } else {
                inRun = false
                out.append(c)
            }
        }
        return out
    }

    static func collapseWhitespace(_ s: String) -> String {
        s.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
