import Foundation
import Specs
import XCTest

/// `unroll summary SPEC` prints the counts the trained model will have, or `?` — never a made-up
/// number (an Embedding sized by the vocabulary showed 100 parameters).
final class SpecSummaryTests: RunnerTestCase {
    func spec(path: String) throws -> URL {
        _ = try write(
            "t.tsv",
            "text\tlabel\n"
                + (0..<30).map { i in i % 2 == 0 ? "good fine w\(i)\tpos" : "bad dull v\(i)\tneg" }.joined(
                    separator: "\n") + "\n")
        return try write(
            "s.yaml",
            """
            data: {source: delimited, path: \(path)}
            text: {sequence_length: 4}
            model: [{type: Embedding, output_dim: 5}, {type: GRU, units: 3}, {type: Dense, units: 2, activation: softmax}]
            loss: sparse_categorical_crossentropy
            verbosity: quiet
            output: out
            """)
    }

    func testTheSpecSummaryHasTheTrainedModelsCounts() throws {
        let url = try spec(path: "t.tsv")
        let summary = try SpecLoader(registry: registry).load(url).summary(registry: registry)
        let r = try runner.train(url)
        let trained = try ModelBundle.load(r.bundle, registry: registry).model.summary()
        let total = { (s: String) in s.split(separator: "\n").first { $0.contains("Total params") }.map(String.init) }
        XCTAssertEqual(total(summary), total(trained))
        XCTAssertNotNil(total(summary)?.range(of: #"Total params: \d"#, options: .regularExpression), summary)
    }

    func testWithoutTheDataTheDataSizedCountsAreUnknown() throws {
        let s = try SpecLoader(registry: registry).load(try spec(path: "missing.tsv")).summary(registry: registry)
        XCTAssertTrue(
            s.contains("embedding_1 (Embedding)")
                && s.split(separator: "\n").first { $0.hasPrefix("embedding_1") }!.hasSuffix("?"), s)
        XCTAssertTrue(
            s.contains("Total params: ? (") && s.contains("embedding_1 sized by the data")
                && s.contains("missing.tsv: no such file"), s)
    }
}
