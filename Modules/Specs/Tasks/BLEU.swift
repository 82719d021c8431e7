import Foundation

/// Corpus BLEU-4 (Papineni et al. 2002) over token ids, as machine translation reports it: the
/// geometric mean of the clipped n-gram precisions for n = 1…4, summed over the whole corpus
/// before dividing, times the brevity penalty.
///
/// ```
/// p_n  = Σ_sentences Σ_ngrams min(count in candidate, count in reference) / Σ_sentences candidate n-grams
/// BP   = 1 if c > r, else exp(1 − r/c)        (c, r: total candidate and reference lengths)
/// BLEU = BP · exp(¼ Σ_n log p_n)               (0 when some p_n is 0: no smoothing)
/// ```
///
/// One reference per candidate. The score is in [0, 1] (reports print it × 100).
///
/// ```swift
/// BLEU.corpus(candidates: [[1, 2, 3, 4, 5]], references: [[1, 2, 3, 4, 6]])   // (4/5 · 3/4 · 2/3 · 1/2)^¼ ≈ 0.6687
/// ```
public enum BLEU {
    public static func corpus(candidates: [[Int]], references: [[Int]], maxOrder: Int = 4) -> Double {
        var matches = [Int](repeating: 0, count: maxOrder)
        var totals = [Int](repeating: 0, count: maxOrder)
        var (c, r) = (0, 0)
        for (cand, ref) in zip(candidates, references) {
            c += cand.count
            r += ref.count
            for n in 1...maxOrder {
                let refCounts = ngrams(ref, n)
                for (gram, count) in ngrams(cand, n) { matches[n - 1] += min(count, refCounts[gram] ?? 0) }
                totals[n - 1] += max(0, cand.count - n + 1)
            }
        }
        guard c > 0, totals.allSatisfy({ $0 > 0 }), matches.allSatisfy({ $0 > 0 }) else { return 0 }
        let logPrecision = zip(matches, totals).map { Foundation.log(Double($0) / Double($1)) }.reduce(0, +)
        let brevity = c > r ? 1 : Foundation.exp(1 - Double(r) / Double(c))
        return brevity * Foundation.exp(logPrecision / Double(maxOrder))
    }

    /// Each n-gram of `s` with its count.
    static func ngrams(_ s: [Int], _ n: Int) -> [[Int]: Int] {
        var out: [[Int]: Int] = [:]
        if s.count >= n { for i in 0...(s.count - n) { out[Array(s[i..<(i + n)]), default: 0] += 1 } }
        return out
    }
}
