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
}
