import Foundation

/// `manifest.json`: the files a bundle is made of, each with its size and SHA-256, written last.
/// Every reader checks it (`verify`), so a bundle whose files were mixed from two runs, cut short
/// or edited is refused with the file named, rather than read.
///
/// Plots and `report.html` are derived from the listed files and rewritten by `unroll report`;
/// `checkpoints/` carries its own `latest.json`. Neither is listed.
///
/// ```swift
/// try BundleManifest.write(in: folder, files: ["model.json", "weights.safetensors"])
/// try BundleManifest.read(in: folder)?.verify(in: folder)   // throws if a listed file changed
/// ```
public struct BundleManifest: Codable, Equatable {
    public static let fileName = "manifest.json"
    public static let formatName = "unroll-bundle"

    /// One listed file.
    public struct Entry: Codable, Equatable {
        public var bytes: Int
        public var sha256: String
        public init(bytes: Int, sha256: String) { (self.bytes, self.sha256) = (bytes, sha256) }
    }

    public var format: String
    public var version: Int
    /// File name (directly in the bundle folder) → size and checksum.
    public var files: [String: Entry]

    /// Lists `files` of `folder` (names directly inside it) and writes `manifest.json` atomically.
    @discardableResult
    public static func write(in folder: URL, files names: [String]) throws -> BundleManifest {
        var files: [String: Entry] = [:]
        for name in names {
            let url = folder.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw CheckpointError.io(path: url.path, message: "cannot read a file the manifest should list")
            }
            files[name] = Entry(bytes: data.count, sha256: SHA256.hex(data))
        }
        let m = BundleManifest(format: formatName, version: 1, files: files)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try e.encode(m), to: folder.appendingPathComponent(fileName))
        return m
    }

    /// The manifest of `folder`, or nil when it has none (a bundle written before manifests).
    public static func read(in folder: URL) throws -> BundleManifest? {
        let url = folder.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        guard let m = try? JSONDecoder().decode(BundleManifest.self, from: data), m.format == formatName else {
            throw CheckpointError.format(
                path: url.path,
                message: "not an Unroll bundle manifest (want {\"format\": \"\(formatName)\", \"version\", \"files\"})")
        }
        guard m.version == 1 else {
            throw CheckpointError.format(
                path: url.path, message: "field 'version': \(m.version) is newer than this Unroll reads (1)")
        }
        for name in m.files.keys where !isPlainName(name) {
            throw CheckpointError.format(
                path: url.path, message: "field 'files': '\(name)' is not a file name inside the bundle")
        }
        return m
    }

    /// Checks that every listed file is there with its size and checksum.
    public func verify(in folder: URL) throws {
        for (name, entry) in files.sorted(by: { $0.key < $1.key }) {
            let url = folder.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw CheckpointError.format(
                    path: url.path, message: "listed in manifest.json but missing: the bundle is incomplete")
            }
            guard data.count == entry.bytes, SHA256.hex(data) == entry.sha256 else {
                throw CheckpointError.format(
                    path: url.path,
                    message:
                        "does not match manifest.json (\(data.count) bytes, manifest says \(entry.bytes); or its SHA-256 differs): the bundle was changed or mixed from two runs"
                )
            }
        }
    }

    /// A name directly inside a folder: no separator, not `.`/`..`, not empty.
    public static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }
}
