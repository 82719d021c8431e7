import Foundation
import Tensors
import Training
import XCTest

/// The code examples in the Training module's doc comments, run as written and checked against
/// the values the comments state.
final class TrainingDocExampleTests: XCTestCase {
    func testConfusionMatrix() throws {
        let m = try ConfusionMatrix(predicted: [1, 1, 0, 1], actual: [1, 0, 0, 1], classes: 2)
        XCTAssertEqual(m.accuracy, 0.75)
        XCTAssertEqual(m.precision(1), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.recall(1), 1)
        XCTAssertEqual(m.f1(1), 0.8, accuracy: 1e-12)
    }

    func testSafeTensorsRoundTripAndAtomicWrite() throws {
        let t = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let data = try SafeTensors.encode(["dense_1.kernel": t])
        let (tensors, _) = try SafeTensors.decode(data)
        XCTAssertEqual(tensors["dense_1.kernel"]?.shape, [2, 2])
        XCTAssertEqual(tensors["dense_1.kernel"]?.scalars, [1, 2, 3, 4])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-doc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("metrics.json")
        try AtomicFile.write(Data("{}".utf8), to: url)
        try AtomicFile.write(Data("{\"a\": 1}".utf8), to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "{\"a\": 1}")
        // no temporary left
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["metrics.json"])
    }
}
