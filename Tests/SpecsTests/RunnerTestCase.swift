import Foundation
import PluginRegistry
import Specs
import XCTest

/// What the Specs tests that run specs share: a fresh folder per test, the built-in registry and
/// a quiet runner, and `write` to put a file in the folder.
class RunnerTestCase: XCTestCase {
    var dir: URL!
    let registry = try! Builtins.registry()
    var runner: Runner!
    let fm = FileManager.default

    override func setUpWithError() throws {
        dir = fm.temporaryDirectory.appendingPathComponent("unroll-\(type(of: self))-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        runner = Runner(registry: registry)
        runner.log = { _ in }
    }
    override func tearDownWithError() throws { try? fm.removeItem(at: dir) }

    /// Writes `text` to `name` (subfolders made as needed) in the test's folder.
    func write(_ name: String, _ text: String) throws -> URL {
        let u = dir.appendingPathComponent(name)
        try fm.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: u)
        return u
    }
}
