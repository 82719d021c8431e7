import XCTest
import Foundation

/// The `unroll` executable next to the test bundle (both are built by `swift build --build-tests`);
/// skips the test when it is not there.
func unrollBinary() throws -> URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
    for candidate in [dir, dir.deletingLastPathComponent()] {
        let u = candidate.appendingPathComponent("unroll")
        if FileManager.default.isExecutableFile(atPath: u.path) { return u }
    }
    throw XCTSkip("the unroll executable is not built next to the tests (\(dir.path)); run swift build first")
}
