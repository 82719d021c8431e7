import Tensors

/// Specs that stay well-formed YAML with one or two values changed: each variant replaces the
/// value after a `key: ` (up to `,`, `}`, `]` or the line's end) with a token that has broken
/// programs before (0, −1, huge numbers, NaN, another layer's or activation's name, an empty
/// list). Byte mutations mostly break the YAML itself; these reach the checks of every field's
/// meaning, the data encoding and the model built from it.
enum ValueVariants {
    static let tokens = [
        "0", "-1", "1", "2", "3", "7", "64", "100000", "2147483648", "9223372036854775807", "0.5", "-0.5", "1e-30",
        "1e30", ".nan", ".inf", "true", "false", "null", "''", "x", "softmax", "relu", "tanh", "sigmoid", "linear",
        "LSTM", "GRU", "SimpleRNN", "Dense", "Embedding", "Bidirectional", "Attention", "Concatenate", "Dropout",
        "OneHot", "characters", "words", "source", "target_in", "input", "enc", "dec", "att", "[]", "{}", "[1, 2]",
        "[source]", "pre", "post", "mse", "adam", "sgd", "naive", "seasonal_naive", "none", "levels", "minmax",
    ]

    /// Where the values are: the character ranges after each `key: `.
    static func valueRanges(_ text: [Character]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i + 1 < text.count {
            if text[i] == ":" && text[i + 1] == " " {
                var j = i + 2
                while j < text.count && text[j] == " " { j += 1 }
                let start = j
                // A value that opens a flow collection is left whole; its inner values have keys.
                if j < text.count && text[j] != "{" && text[j] != "[" {
                    while j < text.count && !",}]\n#".contains(text[j]) { j += 1 }
                    if j > start { out.append(start..<j) }
                }
                i = j
            } else {
                i += 1
            }
        }
        return out
    }

    /// `count` variants of `specs`, the same for the same `seed`.
    static func make(from specs: [String], count: Int, seed: UInt64) -> [String] {
        var rng = SeededGenerator(seed: seed)
        func below(_ n: Int) -> Int { Int(rng.next() % UInt64(max(n, 1))) }
        return (0..<count).map { _ in
            var text = Array(specs[below(specs.count)])
            for _ in 0...below(2) {
                let ranges = valueRanges(text)
                guard !ranges.isEmpty else { break }
                text.replaceSubrange(ranges[below(ranges.count)], with: Array(tokens[below(tokens.count)]))
            }
            return String(text)
        }
    }
}
