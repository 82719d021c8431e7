import Foundation

/// Where Unroll's real data files are found: the project's own `data/` folder (filled by
/// `Tools/fetch-data.sh`), then `../shared/data` beside the project.
public enum DataFiles {
    /// The folders searched, in order, for a project rooted at `projectRoot`.
    public static func searchPath(projectRoot: URL) -> [URL] {
        [
            projectRoot.appendingPathComponent("data"),
            projectRoot.deletingLastPathComponent().appendingPathComponent("shared/data"),
        ]
    }

    /// The first existing `name` in the search path, or nil.
    public static func find(_ name: String, projectRoot: URL) -> URL? {
        searchPath(projectRoot: projectRoot).map { $0.appendingPathComponent(name) }.first {
            FileManager.default.fileExists(atPath: $0.path)
        }
    }
}
