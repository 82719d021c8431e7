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

    func testTheJSONSummaryHasTheTrainedModelsCountsOrNull() throws {
        let url = try spec(path: "t.tsv")
        let o = try SpecLoader(registry: registry).load(url).summaryObject(registry: registry)
        let trained = try ModelBundle.load(try runner.train(url).bundle, registry: registry).model
        XCTAssertEqual(o["total_parameters"] as? Int, trained.namedParameters.reduce(0) { $0 + $1.parameter.count })
        let layers = try XCTUnwrap(o["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.map { $0["type"] as? String }, ["Embedding", "GRU", "Dense"])
        XCTAssertEqual(layers[2]["parameters"] as? Int, 3 * 2 + 2)
        XCTAssertEqual((layers[1]["output_shape"] as? [Any])?.dropFirst().map { $0 as? Int }, [3])
        // Without the data: the embedding's and the totals' counts are null, with the reason.
        let missing = try SpecLoader(registry: registry).load(try spec(path: "missing.tsv")).summaryObject(
            registry: registry)
        let rows = try XCTUnwrap(missing["layers"] as? [[String: Any]])
        XCTAssertTrue(rows[0]["parameters"] is NSNull)
        XCTAssertEqual(rows[1]["parameters"] as? Int, 3 * 3 * (5 + 3 + 2))
        XCTAssertTrue(missing["total_parameters"] is NSNull)
        XCTAssertTrue((missing["data_not_read"] as? String)?.contains("missing.tsv") == true)
    }
}
