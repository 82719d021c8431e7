import Datasets
import Foundation
import XCTest

/// Real data for tests: the project's `data/` folder first, then `../shared/data` beside the
/// project; a test skips with a clear message when neither has the file.
public enum TestData {
    public static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public static func url(_ name: String) throws -> URL {
        guard let u = DataFiles.find(name, projectRoot: projectRoot) else {
            throw XCTSkip("\(name) not found in data/ or ../shared/data; run `bash Tools/fetch-data.sh` to fetch it")
        }
        return u
    }

    /// The folder under which `temp` writes, one per test process; removed when the process exits.
    static let scratch: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-tests-\(UUID().uuidString)")
        atexit { try? FileManager.default.removeItem(at: TestData.scratch) }
        return dir
    }()

    /// A temporary file with `contents`, in a folder of its own under `scratch`.
    public static func temp(_ contents: String, name: String = "f.txt") throws -> URL {
        let dir = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let u = dir.appendingPathComponent(name)
        try Data(contents.utf8).write(to: u)
        return u
    }
}
