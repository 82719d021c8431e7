import Foundation
import Tensors
import XCTest

/// `unroll train` notes, after the line saying what trains, when `OPENBLAS_CORETYPE` holds OpenBLAS to narrower
/// kernels than the CPU runs, still obeys it, and says nothing with `--quiet` or a fitting core.
final class BLASNoticeTests: XCTestCase {
    func spec() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-blas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let rows = (0..<40).map { i in "\(Float(i % 8) / 4 - 1),\(Float(i / 8) / 2 - 1),\(i % 3)" }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("r.csv"))
        let spec = dir.appendingPathComponent("r.yaml")
        try Data(
            """
            data: {source: numeric_csv, path: r.csv}
            task: regression
            model: [{type: Dense, units: 1}]
            loss: mse
            optimizer: {type: sgd, learning_rate: 0.01}
            epochs: 1
            verbosity: quiet
            output: out

            """.utf8
        ).write(to: spec)
        return spec
    }

    func testNarrowCoreTypeIsObeyedAndNoted() throws {
        guard let best = CPUFeatures.openBLASCore() else { throw XCTSkip("no AVX2 on this CPU: no wider kernels") }
        let spec = try spec()
        let narrow = try runUnroll(["train", spec.path, "--overwrite"], env: ["OPENBLAS_CORETYPE": "Sandybridge"])
        XCTAssertEqual(narrow.code, 0, narrow.err)
        XCTAssertTrue(
            narrow.out.contains(
                "note: OPENBLAS_CORETYPE=Sandybridge holds OpenBLAS to Sandybridge kernels; "
                    + "this CPU runs \(best)'s wider ones"), narrow.out)
        let quiet = try runUnroll(
            ["train", spec.path, "--overwrite", "--quiet"], env: ["OPENBLAS_CORETYPE": "Sandybridge"])
        XCTAssertEqual(quiet.code, 0, quiet.err)
        XCTAssertFalse((quiet.out + quiet.err).contains("OPENBLAS_CORETYPE"), quiet.out + quiet.err)
        let fitting = try runUnroll(["train", spec.path, "--overwrite"], env: ["OPENBLAS_CORETYPE": best])
        XCTAssertEqual(fitting.code, 0, fitting.err)
        XCTAssertFalse((fitting.out + fitting.err).contains("OPENBLAS_CORETYPE"), fitting.out + fitting.err)
    }
}
