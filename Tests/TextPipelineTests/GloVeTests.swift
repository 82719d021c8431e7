import Foundation
import Tensors
import TestSupport
import TextPipeline
import XCTest

@testable import TextPipeline

final class GloVeTests: XCTestCase {
    func testTinyFileValuesMatchSwiftsOwnParser() throws {
        let url = try TestData.url("glove-tiny-76x50.txt")
        let v = try GloVe.load(url)
        XCTAssertEqual(v.words.count, 76)
        XCTAssertEqual(v.dimension, 50)
        XCTAssertEqual(v.matrix.shape, [76, 50])
        // Every value against Float(String) on the same text.
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        for line in lines {
            let f = line.split(separator: " ")
            let want = f.dropFirst().map { Float(String($0))! }
            XCTAssertEqual(v.vector(String(f[0]))!, want, "word \(f[0])")
        }
    }

    func testFilteredLoadKeepsOnlyRequestedWords() throws {
        let url = try TestData.url("glove-tiny-76x50.txt")
        let all = try GloVe.load(url)
        let keep: Set<String> = [all.words[3], all.words[40], "notaword"]
        let some = try GloVe.load(url, keeping: keep)
        XCTAssertEqual(Set(some.words), [all.words[3], all.words[40]])
        XCTAssertEqual(some.matrix.shape, [2, 50])
        XCTAssertEqual(some.vector(all.words[40]), all.vector(all.words[40]))
    }

    func testToleratesCRLFTrailingSpaceAndWord2VecHeader() throws {
        let u = try TestData.temp("2 3\r\nfoo 1 2 3 \r\nbar -1.5e-2 0.25 +4\r\n")
        let v = try GloVe.load(u)
        XCTAssertEqual(v.words, ["foo", "bar"])
        XCTAssertEqual(v.vector("bar"), [-0.015, 0.25, 4])
    }

    func testBadLinesNameFileAndLine() throws {
        func expect(_ text: String, _ needle: String, line: UInt = #line) throws {
            let u = try TestData.temp(text)
            XCTAssertThrowsError(try GloVe.load(u), line: line) { e in
                XCTAssertTrue(
                    "\(e)".contains(needle) && "\(e)".contains(u.path), "\(e) should say \(needle)", line: line)
            }
            XCTAssertThrowsError(try GloVe.load(u, keeping: ["a", "b", "c"]), line: line)
        }
        try expect("a 1 2 3\nb 1 2\n", ":2: 'b' has 2 numbers, expected 3")
        try expect("a 1 2 3\nb 1 x 3\n", ":2: value 2 of 'b' is not a finite number: 'x'")
        try expect("a 1 2 3\nb 1 1e39 3\n", ":2: value 2 of 'b' is not a finite number: '1e39'")
        try expect("a 1 2 3\n 1 2 3\n", ":2: empty word")
        try expect("a 1 2 3\nc\n", ":2: expected a word")
        XCTAssertThrowsError(try GloVe.load(URL(fileURLWithPath: "/nonexistent/glove.txt"))) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent/glove.txt"))
        }
    }

    func testEmbeddingMatrixAlignedToVocabularyWithPoliciesAndCoverage() throws {
        let u = try TestData.temp("good 1 1\nbad -1 -1\n")
        let v = try GloVe.load(u)
        let vocab = try Vocabulary(tokens: ["", "[UNK]", "good", "meh", "bad"])
        let counts = ["good": 6, "meh": 2, "bad": 2]
        let (m, cov) = GloVe.embeddingMatrix(v, vocabulary: vocab, missing: .mean, corpusCounts: counts)
        XCTAssertEqual(m.shape, [5, 2])
        XCTAssertEqual(m.scalars, [0, 0, 0, 0, 1, 1, 0, 0, -1, -1])  // mean of (1,1) and (−1,−1) is 0
        XCTAssertEqual(cov.wordsCovered, 2)
        XCTAssertEqual(cov.words, 3)
        XCTAssertEqual(cov.tokenFraction, 0.8, accuracy: 1e-9)
        let z = GloVe.embeddingMatrix(v, vocabulary: vocab, missing: .zeros).matrix.scalars
        XCTAssertEqual(Array(z[6..<8]), [0, 0])
        let r1 = GloVe.embeddingMatrix(v, vocabulary: vocab, missing: .random(scale: 0.1, seed: 3)).matrix.scalars
        let r2 = GloVe.embeddingMatrix(v, vocabulary: vocab, missing: .random(scale: 0.1, seed: 3)).matrix.scalars
        XCTAssertEqual(r1, r2)
        XCTAssertTrue(r1[6..<8].allSatisfy { abs($0) <= 0.1 && $0 != 0 })
    }
}

final class LineReaderTests: XCTestCase {
    func testLinesLongerThanTheBufferAndAllEndings() throws {
        let long = String(repeating: "x", count: 100)
        let u = try TestData.temp("a\r\n\(long) \nlast")
        let f = fopen(u.path, "rb")!
        defer { fclose(f) }
        let r = LineReader(file: f, path: u.path, capacity: 8)
        var lines: [String] = []
        while let l = try r.next() { lines.append(String(decoding: l.bytes, as: UTF8.self)) }
        XCTAssertEqual(lines, ["a", long, "last"])
        XCTAssertEqual(r.lineNumber, 3)
    }
}
