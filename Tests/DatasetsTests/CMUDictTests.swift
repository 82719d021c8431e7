import Datasets
import Foundation
import TestSupport
import XCTest

/// The CMU Pronouncing Dictionary as the cmudict source reads it.
final class CMUDictTests: XCTestCase {
    func testTheDictionaryReadsWithOnePronunciationPerWordAndAStableSplit() throws {
        let url = try TestData.url("cmudict.dict")
        let d = try SequencePairs.cmudict(url)
        // 135,166 lines, of which 8,447 are second pronunciations (word(2)) and more of those
        // are (3), (4)…: one entry per word is left.
        let words = Set(d.pairs.map(\.source))
        XCTAssertEqual(words.count, d.pairs.count)
        XCTAssertEqual(d.pairs.count, 126_052)
        let speech = d.pairs.first { $0.source == "speech" }
        XCTAssertEqual(speech?.target, "S P IY CH")  // stress digits dropped
        let withStress = try SequencePairs.cmudict(url, stress: true)
        XCTAssertEqual(withStress.pairs.first { $0.source == "speech" }?.target, "S P IY1 CH")
        XCTAssertEqual(
            try SequencePairs.cmudict(url, alternatives: true).pairs.count, 135_166 - d.report.skipped.count)
        // About 5% held out, by the word: the same words every time.
        let test = d.isTest!.filter { $0 }.count
        XCTAssertEqual(Double(test) / Double(d.pairs.count), 0.05, accuracy: 0.005)
        XCTAssertEqual(try SequencePairs.cmudict(url).isTest, d.isTest)
        // test_alternatives: the test words' other pronunciations join the test part (after their
        // first), the training words keep one each.
        let refs = try SequencePairs.cmudict(url, testAlternatives: true)
        let all = try SequencePairs.cmudict(url, alternatives: true)
        let trainWords = Set(zip(d.pairs, d.isTest!).filter { !$0.1 }.map(\.0.source))
        XCTAssertEqual(zip(refs.pairs, refs.isTest!).filter { !$0.1 }.count, trainWords.count)
        let testAll = zip(all.pairs, all.isTest!).filter { $0.1 }.map { "\($0.0.source)\t\($0.0.target)" }
        let testRefs = zip(refs.pairs, refs.isTest!).filter { $0.1 }.map { "\($0.0.source)\t\($0.0.target)" }
        XCTAssertEqual(testRefs, testAll)
        XCTAssertGreaterThan(testRefs.count, test + 300, "several hundred test words have alternatives")
        // Phonemes without stress come from ARPAbet's 39.
        let phones = Set(d.pairs.flatMap { $0.target.split(separator: " ").map(String.init) })
        XCTAssertEqual(phones.count, 39)
    }
}
