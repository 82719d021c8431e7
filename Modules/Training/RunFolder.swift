import CKernels
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a training run writes, by rules that keep what the user had.
///
/// The bundle folder `output` is only ever replaced whole. A run writes everything — history,
/// checkpoints, callback files, then the bundle's own files and `manifest.json` — into a staging
/// folder beside it, `.<name>.unroll-run`, and `publish` swaps that in with one atomic rename
/// (`renameat2(RENAME_EXCHANGE)`), so a reader sees the old bundle or the new one, never a mix.
///
/// - `output` may be a new folder, an empty folder, or a bundle (it has `manifest.json`, or
///   `model.json` and `weights.safetensors` from before manifests). Replacing a bundle needs
///   `overwrite` (or `resume`, which continues the run that wrote it); any other existing folder
///   or file is refused.
/// - A run that did not finish leaves its staging folder; with checkpoints in it, a new run needs
///   `resume` (continue) or `overwrite` (discard) — checkpoints are never thrown away silently.
/// - Names are taken as plain folder names: `/`, `.` and `..` are refused.
///
/// ```swift
/// let run = try RunFolder.prepare(output: URL(fileURLWithPath: "runs/hello"), resume: false, overwrite: false)
/// // … write history, checkpoints and the bundle's files into run.staging …
/// try run.publish()
/// ```
public struct RunFolder {
    /// The bundle folder the run produces.
    public let output: URL
    /// Where the run writes until `publish`.
    public let staging: URL
    /// With `resume`: the checkpoints folder to restore from (inside `staging`).
    public let resumeFrom: URL?

    /// What an existing folder is.
    public enum Kind: Equatable { case missing, empty, bundle, other, notAFolder }

    /// Files a bundle lists in its manifest: every regular file directly in it but the manifest,
    /// temporaries, and what `unroll report` regenerates (SVG plots, `report.html`).
    public static func listedFiles(in folder: URL) -> [String] {
        let fm = FileManager.default
        return ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter { name in
            guard name != BundleManifest.fileName, !name.hasPrefix("."), !name.hasSuffix(".svg"), name != "report.html"
            else { return false }
            let attrs = try? fm.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            return attrs?[.type] as? FileAttributeType == .typeRegular
        }.sorted()
    }

    /// Classifies `url` without following a final symbolic link.
    public static func kind(of url: URL) -> Kind {
        let fm = FileManager.default
        guard let attrs = try? fm.attributesOfItem(atPath: url.path) else { return .missing }
        guard attrs[.type] as? FileAttributeType == .typeDirectory else { return .notAFolder }
        let names = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
        if names.isEmpty { return .empty }
        if names.contains(BundleManifest.fileName)
            || (names.contains("model.json") && names.contains("weights.safetensors"))
        {
            return .bundle
        }
        return .other
    }

    /// The staging folder of a run writing `output`: `.<name>.unroll-run` beside it.
    public static func stagingFolder(for output: URL) -> URL {
        let out = output.standardizedFileURL
        return out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).unroll-run")
    }

    /// For the other ranks of a data-parallel job, after rank 0's `prepare`: a private scratch folder
    /// to write into (never published; removed by `discard`), and rank 0's checkpoints to resume from
    /// (the run folder must be on a filesystem every rank sees).
    public static func secondary(output: URL, resume: Bool) throws -> RunFolder {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "unroll-rank-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let checkpoints = stagingFolder(for: output).appendingPathComponent("checkpoints")
        if resume && !FileManager.default.fileExists(atPath: checkpoints.appendingPathComponent("latest.json").path) {
            throw CheckpointError.io(
                path: checkpoints.path,
                message:
                    "--resume: this rank cannot see rank 0's checkpoints; a resumed multi-machine run needs the output folder on a filesystem every rank shares"
            )
        }
        return RunFolder(output: output.standardizedFileURL, staging: scratch, resumeFrom: resume ? checkpoints : nil)
    }

    /// Removes a secondary rank's scratch folder.
    public func discard() { try? FileManager.default.removeItem(at: staging) }

    /// Checks `output` against the rules above and sets up the staging folder (before any data is
    /// read). With `resume`, finds the checkpoints: the unfinished run's, else the bundle's own
    /// (copied into staging so the published bundle keeps them).
    public static func prepare(output: URL, resume: Bool, overwrite: Bool) throws -> RunFolder {
        let out = output.standardizedFileURL
        let name = out.lastPathComponent
        func refuse(_ message: String) -> CheckpointError { .io(path: out.path, message: message) }
        guard BundleManifest.isPlainName(name), name != "/", out.path != "/" else {
            throw refuse("not a folder a bundle can be written to (output must name a folder, not / or ..)")
        }
        // A run killed between the fallback's two renames left the old bundle aside: put it back.
        let aside = out.deletingLastPathComponent().appendingPathComponent(".\(name).unroll-old")
        if kind(of: out) == .missing, kind(of: aside) == .bundle { _ = Glibc.rename(aside.path, out.path) }
        switch kind(of: out) {
        case .missing, .empty: break
        case .notAFolder: throw refuse("exists and is not a folder; choose another output")
        case .other:
            throw refuse(
                "exists and is not an Unroll bundle (no manifest.json); Unroll writes only into a new or empty folder or a bundle it wrote — choose another output"
            )
        case .bundle:
            if !overwrite && !resume {
                throw refuse("holds a trained bundle; add --overwrite to replace it (or choose another output)")
            }
        }
        let fm = FileManager.default
        let staging = stagingFolder(for: out)
        let stagingKind = kind(of: staging)
        if stagingKind == .notAFolder {
            throw CheckpointError.io(
                path: staging.path, message: "is in the way of the run's staging folder; remove it")
        }
        let stagingCheckpoints = staging.appendingPathComponent("checkpoints")
        let unfinished = fm.fileExists(atPath: stagingCheckpoints.appendingPathComponent("latest.json").path)
        if resume && unfinished { return RunFolder(output: out, staging: staging, resumeFrom: stagingCheckpoints) }
        if !resume && unfinished && !overwrite {
            throw CheckpointError.io(
                path: staging.path,
                message:
                    "a run that did not finish left resumable checkpoints here; --resume continues it, --overwrite discards them"
            )
        }
        let bundleCheckpoints = out.appendingPathComponent("checkpoints")
        if resume && !fm.fileExists(atPath: bundleCheckpoints.appendingPathComponent("latest.json").path) {
            throw refuse(
                "--resume: no checkpoints to resume from (looked in \(stagingCheckpoints.path) and \(bundleCheckpoints.path)); a run writes them when its spec has callbacks: [{type: model_checkpoint}]"
            )
        }
        if stagingKind != .missing { try fm.removeItem(at: staging) }
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        if resume {
            try fm.copyItem(at: bundleCheckpoints, to: stagingCheckpoints)
            return RunFolder(output: out, staging: staging, resumeFrom: stagingCheckpoints)
        }
        return RunFolder(output: out, staging: staging, resumeFrom: nil)
    }

    /// Removes temporaries a killed write left (`.<name>.tmp-…`), writes `manifest.json` over
    /// `listedFiles`, and swaps the staging folder in for `output` in one step.
    public func publish() throws {
        Self.removeTemporaries(in: staging)
        let checkpoints = staging.appendingPathComponent("checkpoints")
        for child in (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? [] {
            Self.removeTemporaries(in: checkpoints.appendingPathComponent(child))
        }
        try BundleManifest.write(in: staging, files: Self.listedFiles(in: staging))
        let fm = FileManager.default
        if Self.kind(of: output) == .missing {
            guard RenameHook.rename(staging.path, output.path) == 0 else { throw renameError(staging, output) }
        } else if RenameHook.exchange(staging.path, output.path) == 0 {
            try fm.removeItem(at: staging)  // the old bundle, now here
        } else {
            // No exchange on this file system: two renames (a reader in between finds no bundle).
            let old = output.deletingLastPathComponent().appendingPathComponent(
                ".\(output.lastPathComponent).unroll-old")
            if Self.kind(of: old) != .missing { try fm.removeItem(at: old) }
            guard RenameHook.rename(output.path, old.path) == 0 else { throw renameError(output, old) }
            guard RenameHook.rename(staging.path, output.path) == 0 else { throw renameError(staging, output) }
            try fm.removeItem(at: old)
        }
        let dfd = open(output.deletingLastPathComponent().path, O_RDONLY)  // persist the rename
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    private func renameError(_ from: URL, _ to: URL) -> CheckpointError {
        .io(path: from.path, message: "cannot move to \(to.path): \(String(cString: strerror(errno)))")
    }

    /// Removes `AtomicFile` temporaries (`.<name>.tmp-<pid>-<n>`) directly in `folder`.
    static func removeTemporaries(in folder: URL) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
        where name.hasPrefix(".") && name.contains(".tmp-") {
            try? fm.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}
