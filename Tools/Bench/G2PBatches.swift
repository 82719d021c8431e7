import Foundation
import Tensors

/// Batches for (h): (g)'s G2P model on the lengths of real CMUdict words, so that padding costs
/// what it costs in training on the dictionary. `Tools/compare_torch.py` picks the same words by
/// the same rule, so both sides pad the same positions.
enum G2PBatches {
    /// Letters and phonemes of each dictionary word in file order: first pronunciations only,
    /// a ` #` comment dropped, words of more than 20 letters or 20 phonemes left out.
    static func lengths(_ url: URL) throws -> [(letters: Int, phonemes: Int)] {
        var out: [(letters: Int, phonemes: Int)] = []
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let entry = line.split(separator: "#", maxSplits: 1)[0]
            let fields = entry.split(separator: " ")
            guard let word = fields.first, !word.contains("("), fields.count > 1 else { continue }
            let (letters, phonemes) = (word.count, fields.count - 1)
            if letters <= 20 && phonemes <= 20 { out.append((letters, phonemes)) }
        }
        return out
    }

    /// `count` batches of `batch` words, word `i` (over all batches) being entry `i·7919 mod n`:
    /// inputs `[batch, 20 + 21]` (letters, then `<start>` and the phonemes), targets
    /// `[batch, 21]` (the phonemes, then `<end>`), random ids past 0 at the real positions and 0
    /// (padding) after them.
    static func batches(_ url: URL, batch: Int = 128, count: Int = 8, _ g: inout SeededGenerator) throws
        -> [(x: Tensor, y: Tensor)]
    {
        let words = try lengths(url)
        return try (0..<count).map { k in
            var x = [Float](repeating: 0, count: batch * 41)
            var y = [Float](repeating: 0, count: batch * 21)
            let letterIDs = RNNBench.ids(batch, 20, vocab: 30, &g).scalars
            let phonemeIDs = RNNBench.ids(batch, 21, vocab: 72, &g).scalars
            let targetIDs = RNNBench.ids(batch, 21, vocab: 72, &g).scalars
            for b in 0..<batch {
                let w = words[((k * batch + b) * 7919) % words.count]
                for t in 0..<w.letters { x[b * 41 + t] = letterIDs[b * 20 + t] }
                for t in 0...w.phonemes {
                    x[b * 41 + 20 + t] = phonemeIDs[b * 21 + t]
                    y[b * 21 + t] = targetIDs[b * 21 + t]
                }
            }
            return (try Tensor(shape: [batch, 41], scalars: x), try Tensor(shape: [batch, 21], scalars: y))
        }
    }
}
