import Foundation

/// How `Vocabulary.build` orders the tokens before it keeps the first `maxTokens − 2`.
///
/// `frequency` is Keras `TextVectorization`'s rule and needs only the texts. The two label-aware
/// rankings use the training texts' class labels (never validation or test labels). They spend a
/// small vocabulary on the tokens that tell the classes apart, not on `the` and `of`.
/// Counts are per document: a token counts once per text that contains it.
///
/// With `N` texts, `N_c` of them in class `c`, and `a_c` texts of class `c` that contain the token
/// (`A = Σ_c a_c`):
/// - `chiSquare` (spec name `chi2`): Pearson's χ² of the 2 × k table "token present/absent" ×
///   class, `Σ_c (a_c − A·N_c/N)² / (A·N_c/N) + ((N_c − a_c) − (N − A)·N_c/N)² / ((N − A)·N_c/N)`.
///   A token present in every text scores 0.
/// - `logRatio` (spec name `log_ratio`): the largest |z| over classes of the add-one-smoothed log
///   ratio of document rates, class `c` against the rest (`b = A − a_c`, `M_c = N − N_c`):
///   `z_c = (ln((a_c+1)/(b+1)) − ln((N_c+1)/(M_c+1))) / √(1/(a_c+1) + 1/(b+1))`.
///
/// Ties go to the more frequent token, then to the earlier first occurrence.
///
/// ```swift
/// let v = try Vocabulary.build(from: docs, labels: labels, ranking: .chiSquare, maxTokens: 1001)
/// ```
public enum VocabularyRanking: String, Codable, CaseIterable, Sendable {
    case frequency
    case chiSquare = "chi2"
    case logRatio = "log_ratio"

    /// Whether the ranking needs one class label per document.
    public var needsLabels: Bool { self != .frequency }

    /// Score of one token from its per-class document counts `present[c]` and the class sizes
    /// `sizes[c]` (classes with no documents are skipped). Higher ranks earlier.
    public func score(present: [Int], sizes: [Int]) -> Double {
        let n = Double(sizes.reduce(0, +))
        let a = Double(present.reduce(0, +))
        switch self {
        case .frequency:
            return a
        case .chiSquare:
            guard a > 0, a < n else { return 0 }
            var chi = 0.0
            for (ac, nc) in zip(present, sizes) where nc > 0 {
                let ePresent = a * Double(nc) / n
                let eAbsent = (n - a) * Double(nc) / n
                let dPresent = Double(ac) - ePresent
                let dAbsent = Double(nc - ac) - eAbsent
                chi += dPresent * dPresent / ePresent + dAbsent * dAbsent / eAbsent
            }
            return chi
        case .logRatio:
            var best = 0.0
            for (ac, nc) in zip(present, sizes) where nc > 0 {
                let inClass = Double(ac) + 1
                let rest = a - Double(ac) + 1
                let logRatio = log(inClass / rest) - log((Double(nc) + 1) / (n - Double(nc) + 1))
                best = max(best, abs(logRatio) / (1 / inClass + 1 / rest).squareRoot())
            }
            return best
        }
    }
}

extension Vocabulary {
    /// Builds from tokenized documents, ranking tokens as `ranking` says.
    ///
    /// - Parameters:
    ///   - labels: one class index per document (`0..<k`); required by the label-aware rankings,
    ///     ignored by `frequency`.
    /// - Throws: `TextError.invalid` when a label-aware ranking has no labels, a label count that
    ///   differs from the document count, a negative label, or fewer than two classes.
    public static func build(
        from documents: [[String]], labels: [Int]?, ranking: VocabularyRanking,
        maxTokens: Int? = nil, minCount: Int = 1
    ) throws -> Vocabulary {
        guard ranking.needsLabels else { return build(from: documents, maxTokens: maxTokens, minCount: minCount) }
        guard let labels else {
            throw TextError.invalid("vocabulary ranking '\(ranking.rawValue)' needs one class label per text")
        }
        guard labels.count == documents.count else {
            throw TextError.invalid(
                "vocabulary ranking '\(ranking.rawValue)' got \(labels.count) labels for \(documents.count) texts")
        }
        guard let lowest = labels.min(), lowest >= 0 else { throw TextError.invalid("class labels must be 0 or more") }
        let k = labels.max()! + 1
        var sizes = [Int](repeating: 0, count: k)
        for l in labels { sizes[l] += 1 }
        guard sizes.filter({ $0 > 0 }).count >= 2 else {
            throw TextError.invalid("vocabulary ranking '\(ranking.rawValue)' needs texts of at least two classes")
        }
        return ranked(documents, labels: labels, classes: k, maxTokens: maxTokens, minCount: minCount) {
            ranking.score(present: $0, sizes: sizes)
        }
    }
}
