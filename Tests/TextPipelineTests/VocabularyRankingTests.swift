import TextPipeline
import XCTest

/// Label-aware vocabulary rankings against reference values computed with SciPy
/// (`scipy.stats.chi2_contingency(table, correction=False)`) and NumPy (the log-ratio z formula).
final class VocabularyRankingTests: XCTestCase {
    // Three classes: 1 = positive, 0 = negative, 2 = a class of one text.
    let docs = [
        ["good", "film", "good"], ["great", "film"], ["bad", "film"], ["awful", "bad", "plot"],
        ["good", "plot"], ["dull", "film"], ["fine", "plot"],
    ]
    let labels = [1, 1, 0, 0, 1, 0, 2]
    let sizes = [3, 3, 1]

    func testScoresMatchSciPyChiSquareAndNumPyLogRatio() {
        // token: (texts containing it per class, χ² from SciPy, max |z| from NumPy)
        let reference: [(String, [Int], Double, Double)] = [
            ("good", [0, 2, 0], 3.7333333333333334, 1.1446741350251282),
            ("film", [2, 2, 0], 1.5555555555555556, 0.3255981874868903),
            ("plot", [1, 1, 1], 1.5555555555555558, 0.9281683021198688),
            ("fine", [0, 0, 1], 7.0, 1.5888289834962253),
        ]
        for (token, present, chi, z) in reference {
            XCTAssertEqual(
                VocabularyRanking.chiSquare.score(present: present, sizes: sizes), chi, accuracy: 1e-12, token)
            XCTAssertEqual(VocabularyRanking.logRatio.score(present: present, sizes: sizes), z, accuracy: 1e-12, token)
        }
        // A token in every text tells nothing apart.
        XCTAssertEqual(VocabularyRanking.chiSquare.score(present: [3, 3, 1], sizes: sizes), 0)
    }

    func testLabelAwareRankingKeepsTheTokensThatSeparateClasses() throws {
        // By frequency the two kept tokens are "film" (4) and "good" (3); by χ² they are "fine" (7.0)
        // and "good" (3.73, tied with "bad" but more frequent).
        XCTAssertEqual(
            try Vocabulary.build(from: docs, labels: nil, ranking: .frequency, maxTokens: 4).tokens,
            ["", "[UNK]", "film", "good"])
        XCTAssertEqual(
            try Vocabulary.build(from: docs, labels: labels, ranking: .chiSquare, maxTokens: 4).tokens,
            ["", "[UNK]", "fine", "good"])
        XCTAssertEqual(
            try Vocabulary.build(from: docs, labels: labels, ranking: .logRatio, maxTokens: 3).tokens,
            ["", "[UNK]", "fine"])
        // Every token is kept without a cap, min_count still applies.
        XCTAssertEqual(
            Set(try Vocabulary.build(from: docs, labels: labels, ranking: .chiSquare).tokens.dropFirst(2)),
            Set(docs.joined()))
        XCTAssertEqual(
            Set(try Vocabulary.build(from: docs, labels: labels, ranking: .logRatio, minCount: 2).tokens.dropFirst(2)),
            ["good", "film", "bad", "plot"])
    }

    func testLabelAwareRankingRejectsMissingOrUnusableLabels() {
        XCTAssertThrowsError(try Vocabulary.build(from: docs, labels: nil, ranking: .chiSquare)) { e in
            XCTAssertTrue("\(e)".contains("needs one class label per text"), "\(e)")
        }
        XCTAssertThrowsError(try Vocabulary.build(from: docs, labels: [0, 1], ranking: .logRatio)) { e in
            XCTAssertTrue("\(e)".contains("got 2 labels for 7 texts"), "\(e)")
        }
        XCTAssertThrowsError(
            try Vocabulary.build(from: docs, labels: Array(repeating: 1, count: 7), ranking: .chiSquare)
        ) { e in
            XCTAssertTrue("\(e)".contains("at least two classes"), "\(e)")
        }
        XCTAssertThrowsError(try Vocabulary.build(from: docs, labels: [0, 1, 0, 1, 0, 1, -1], ranking: .chiSquare))
    }

    func testPipelineFitWithRankingEncodesWithTheRankedVocabulary() throws {
        let texts = docs.map { $0.joined(separator: " ") }
        let p = try TextPipeline.fit(
            texts: texts, labels: labels, ranking: .chiSquare, cleaner: TextCleaner([.lowercase]),
            tokenizer: .words, maxTokens: 4, sequenceLength: 3)
        XCTAssertEqual(p.vocabulary.tokens, ["", "[UNK]", "fine", "good"])
        XCTAssertEqual(try p.encode(["Good film, fine"]).ids.scalars, [3, 1, 2])
    }
}
