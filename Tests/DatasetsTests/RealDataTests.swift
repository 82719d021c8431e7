import Datasets
import Foundation
import Tensors
import TestSupport
import TextPipeline
import XCTest

/// Integration over the real files (data/ or ../shared/data; skipped with a message otherwise).
final class RealDataTests: XCTestCase {
    func testRottenTomatoesThroughCleaningVocabularyGloVeAndPadding() throws {
        let (table, report) = try DelimitedTable.load(try TestData.url("rt-polarity.tsv"))
        XCTAssertEqual(report.loaded, 12_752)
        let train = try LabeledTextSet.fromTable(
            table.filter("split", equals: "train"), textColumn: "text", labelColumn: "label")
        let test = try LabeledTextSet.fromTable(
            table.filter("split", equals: "test"), textColumn: "text", labelColumn: "label",
            classNames: train.classNames)
        XCTAssertEqual(train.classNames, ["neg", "pos"])
        XCTAssertEqual(train.count, 10_201)
        XCTAssertEqual(test.count, 2_551)
        XCTAssertEqual(test.labels.filter { $0 == 1 }.count, 1_463)

        let pipeline = TextPipeline.fit(
            texts: train.texts, cleaner: TextCleaner(CleaningStep.tweetRecipe), tokenizer: .gloveWords,
            maxTokens: 20_000, sequenceLength: 40)
        XCTAssertEqual(pipeline.vocabulary.count, 17_000, accuracy: 3_000)
        let glove = try GloVe.load(
            try TestData.url("glove.6B.50d.top20k.txt"), keeping: Set(pipeline.vocabulary.tokens))
        let (matrix, coverage) = GloVe.embeddingMatrix(
            glove, vocabulary: pipeline.vocabulary, missing: .zeros,
            corpusCounts: pipeline.tokenCounts(train.texts))
        XCTAssertEqual(matrix.shape, [pipeline.vocabulary.count, 50])
        XCTAssertGreaterThan(coverage.tokenFraction, 0.9, "\(coverage)")
        let (ids, mask) = try pipeline.encode(test.texts)
        XCTAssertEqual(ids.shape, [2_551, 40])
        XCTAssertEqual(mask.shape, [2_551, 40])
        XCTAssertGreaterThan(mask.sum().scalar!, 2_551 * 10)  // snippets average ~19 tokens
        print("rt-polarity: \(coverage)")
    }

    func testDigitsAndCharacterCorpora() throws {
        let d = try NumericTable.load(try TestData.url("digits_8x8.csv"))
        XCTAssertEqual(d.x.shape, [1_797, 64])
        XCTAssertEqual(Set(d.y.scalars), Set((0...9).map(Float.init)))
        XCTAssertEqual(d.x.scalars.max(), 16)
        let austen = try CharacterCorpus.load(try TestData.url("austen.txt"))
        XCTAssertEqual(austen.characters.count, 81)
        let (x, _) = try austen.windows(length: 64, stride: 64, limit: 100)
        XCTAssertEqual(x.shape, [100, 64])
    }
}
