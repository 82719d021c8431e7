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

    /// A temporary file with `contents`.
    public static func temp(_ contents: String, name: String = "f.txt") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let u = dir.appendingPathComponent(name)
        try Data(contents.utf8).write(to: u)
        return u
    }
}
