import Foundation
import Tensors
import TestSupport
import TextPipeline
import XCTest

/// The code examples in the TextPipeline module's doc comments, run as written and checked
/// against the values the comments state.
final class TextPipelineDocExampleTests: XCTestCase {
    func testTokenizers() {
        XCTAssertEqual(Tokenizer.words.tokenize("It's not good!"), ["It's", "not", "good"])
        XCTAssertEqual(Tokenizer.gloveWords.tokenize("it's good"), ["it", "'s", "good"])
        XCTAssertEqual(
            Tokenizer.words(ngrams: 2, splitContractions: false).tokenize("not good"), ["not", "good", "not good"])
    }

    func testVocabularyAndPadding() throws {
        let v = Vocabulary.build(from: [["the", "film", "the"], ["a", "film", "the"]], maxTokens: 4)
        XCTAssertEqual(v.tokens, ["", "[UNK]", "the", "film"])
        XCTAssertEqual(v.encode(["the", "plot"]), [2, 1])
        let (ids, mask) = try Padding.pad([[5, 6, 7], [8]], length: 2)
        XCTAssertEqual(ids.scalars, [6, 7, 0, 8])
        XCTAssertEqual(mask.scalars, [1, 1, 0, 1])
    }

    func testGloVeIntoAnEmbeddingMatrix() throws {
        let u = try TestData.temp("film 0.5 -1\nthe 1 2\n")
        let vocab = try Vocabulary(tokens: ["", "[UNK]", "film", "plot"])
        let vectors = try GloVe.load(u, keeping: Set(vocab.tokens))
        XCTAssertEqual(vectors.words, ["film"])  // "the" is not kept
        let (matrix, coverage) = GloVe.embeddingMatrix(vectors, vocabulary: vocab)
        XCTAssertEqual(matrix.shape, [4, 2])
        XCTAssertEqual(Array(matrix.scalars[4..<6]), [0.5, -1])
        XCTAssertEqual(Array(matrix.scalars[6..<8]), [0, 0])  // "plot": zeros (the default policy)
        XCTAssertEqual(coverage.wordsCovered, 1)
    }
}
