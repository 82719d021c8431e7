import Foundation
import XCTest

@testable import Tensors

/// `CPUFeatures` reads the same values from `/proc/cpuinfo` as a plain line-by-line reading of the file.
final class CPUFeaturesTests: XCTestCase {
    /// The first processor's `key: value` lines, read without `CPUFeatures`.
    func firstProcessor() throws -> [String: String] {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
            throw XCTSkip("no /proc/cpuinfo on this system")
        }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }  // a blank line ends the first processor
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return fields
    }

    func testFieldsMatchAPlainReading() throws {
        let fields = try firstProcessor()
        let model = try XCTUnwrap(fields["model"])
        XCTAssertNotNil(Int(model), "`model` is the number, not the `model name` line: \(model)")
        XCTAssertEqual(CPUFeatures.cpuinfoField("model"), model)
        XCTAssertEqual(CPUFeatures.modelName, fields["model name"])
        XCTAssertEqual(CPUFeatures.familyAndModel, "family \(fields["cpu family"] ?? "?"), model \(model)")
        let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
        XCTAssertEqual(CPUFeatures.flags, flags)
        XCTAssertNil(CPUFeatures.cpuinfoField("no such key"))
    }

    func testCoreRanksFollowTheKernelsVectorWidth() {
        XCTAssertEqual(CPUFeatures.openBLASCoreRank("SkylakeX"), 3)
        XCTAssertEqual(CPUFeatures.openBLASCoreRank("COOPERLAKE"), 3)
        XCTAssertEqual(CPUFeatures.openBLASCoreRank("Zen"), 2)
        XCTAssertEqual(CPUFeatures.openBLASCoreRank("Haswell"), 2)
        XCTAssertEqual(CPUFeatures.openBLASCoreRank("Sandybridge"), 1)
        XCTAssertEqual(CPUFeatures.openBLASCoreRank("Prescott"), 0)
        XCTAssertEqual(CPUFeatures.openBLASCoreRank("unknown"), 0)
    }

    /// On this CPU: OpenBLAS's pick is replaced exactly when it is narrower than the CPU's flags allow.
    func testBetterCoreOnlyWhenOpenBLASPickedNarrowerKernels() {
        let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(CPUFeatures.flags.contains)
        let avx2 = ["avx2", "fma"].allSatisfy(CPUFeatures.flags.contains)
        for kept in ["SkylakeX", "Cooperlake", "SapphireRapids"] {
            XCTAssertNil(CPUFeatures.betterOpenBLASCore(than: kept), kept)
        }
        if avx512 {
            XCTAssertEqual(CPUFeatures.betterOpenBLASCore(than: "Haswell"), "SkylakeX")
            XCTAssertEqual(CPUFeatures.betterOpenBLASCore(than: "Zen"), "SkylakeX")
            XCTAssertEqual(CPUFeatures.betterOpenBLASCore(than: "Prescott"), "SkylakeX")
        } else if avx2 {
            XCTAssertNil(CPUFeatures.betterOpenBLASCore(than: "Zen"))
            XCTAssertNil(CPUFeatures.betterOpenBLASCore(than: "Haswell"))
            XCTAssertEqual(CPUFeatures.betterOpenBLASCore(than: "Prescott"), "Haswell")
            XCTAssertEqual(CPUFeatures.betterOpenBLASCore(than: "Sandybridge"), "Haswell")
        } else {
            XCTAssertNil(CPUFeatures.betterOpenBLASCore(than: "Prescott"))
        }
    }

    /// The kernels in use are at least as wide as the CPU's flags allow, unless the user chose them.
    func testKernelsInUseAreNotNarrowerThanTheCPU() throws {
        let name = BLAS.coreName
        if let forced = BLAS.coreTypeFromEnvironment {
            XCTAssertEqual(name.lowercased(), forced.lowercased(), "OPENBLAS_CORETYPE is obeyed")
            let narrower = CPUFeatures.betterOpenBLASCore(than: name) != nil
            XCTAssertEqual(BLAS.narrowCoreNotice != nil, narrower, BLAS.narrowCoreNotice ?? "no notice")
            throw XCTSkip("the kernels were chosen by OPENBLAS_CORETYPE=\(forced)")
        }
        XCTAssertNil(BLAS.narrowCoreNotice)
        if getenv("UNROLL_BLAS_CORE") != nil { throw XCTSkip("the kernels were chosen by UNROLL_BLAS_CORE") }
        let best = CPUFeatures.openBLASCore().map(CPUFeatures.openBLASCoreRank) ?? 0
        XCTAssertGreaterThanOrEqual(CPUFeatures.openBLASCoreRank(name), best, name)
    }
}
