import Foundation
import Tensors

/// Texts with class labels: `labels[i]` indexes `classNames` (sorted, so indices are stable).
public struct LabeledTextSet: Dataset, Sendable {
    public var texts: [String]
    public var labels: [Int]
    public var classNames: [String]
    public var count: Int { texts.count }
    public func element(at i: Int) throws -> (text: String, label: Int) {
        guard i >= 0 && i < texts.count else { throw DataError.invalid("index \(i) is outside 0..<\(texts.count)") }
        return (texts[i], labels[i])
    }

    public init(texts: [String], labels: [String], classNames: [String]? = nil) throws {
        let names = classNames ?? Array(Set(labels)).sorted()
        let idx = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        self.texts = texts
        self.classNames = names
        self.labels = try labels.map { l in
            guard let i = idx[l] else { throw DataError.invalid("label '\(l)' is not one of the classes \(names)") }
            return i
        }
    }

    /// The same texts with labels re-read by name against `classes` (their ids then index
    /// `classes`); a label not among them is an error naming it.
    public func relabeled(to classes: [String]) throws -> LabeledTextSet {
        if classes == classNames { return self }
        return try LabeledTextSet(texts: texts, labels: labels.map { classNames[$0] }, classNames: classes)
    }

    /// A subset by indices.
    public func subset(_ indices: [Int]) -> LabeledTextSet {
        var s = self
        s.texts = indices.map { texts[$0] }
        s.labels = indices.map { labels[$0] }
        return s
    }

    /// Labels as `[N]` class indices (Float), or `[N, 1]` 0/1 for a binary model.
    public func labelTensor(binaryColumn: Bool = false) throws -> Tensor {
        let t = Tensor(labels.map(Float.init))
        return binaryColumn ? try t.reshaped([labels.count, 1]) : t
    }

    /// Texts and labels from two columns of a CSV/TSV table.
    public static func fromTable(
        _ table: DelimitedTable, textColumn: String, labelColumn: String, classNames: [String]? = nil
    ) throws -> LabeledTextSet {
        let t = try table.column(textColumn)
        let l = try table.column(labelColumn)
        return try LabeledTextSet(
            texts: table.rows.map { $0[t] }, labels: table.rows.map { $0[l] }, classNames: classNames)
    }

    /// Keras `text_dataset_from_directory`: `root/<split>/<label>/*.txt`, labels from folder names.
    /// An unreadable file or invalid UTF-8 fails naming the file, or is skipped and reported.
    public static func fromDirectory(_ root: URL, split: String? = nil, onBadRecord: OnBadRecord = .fail) throws -> (
        set: LabeledTextSet, report: LoadReport
    ) {
        let base = split.map { root.appendingPathComponent($0) } ?? root
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: base.path, isDirectory: &isDir), isDir.boolValue else {
            throw DataError.io(path: base.path, message: "no such folder (expected <root>/<split>/<label>/*.txt)")
        }
        let labels = try fm.contentsOfDirectory(atPath: base.path).filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".")
                && fm.fileExists(atPath: base.appendingPathComponent(name).path, isDirectory: &d) && d.boolValue
        }.sorted()
        guard !labels.isEmpty else { throw DataError.io(path: base.path, message: "no class folders") }
        var texts: [String] = []
        var ys: [String] = []
        var report = LoadReport()
        for label in labels {
            let dir = base.appendingPathComponent(label)
            let files = try fm.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".txt") }.sorted()
            guard !files.isEmpty else {
                throw DataError.io(path: dir.path, message: "class folder '\(label)' has no .txt files")
            }
            for f in files {
                do {
                    texts.append(try FileText.read(dir.appendingPathComponent(f)))
                    ys.append(label)
                } catch let e as DataError {
                    try report.bad(e, onBadRecord)
                }
            }
        }
        report.loaded = texts.count
        return (try LabeledTextSet(texts: texts, labels: ys, classNames: labels), report)
    }
}
