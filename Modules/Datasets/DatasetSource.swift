import Foundation
import PluginRegistry

/// The form of data a source produces (`LoadedData`), which decides the tasks that can read it.
/// Open like a string enum: a plugin adds its own form (`DataForm("acme.audio")`) with a source
/// that returns `.other` and a task that reads it.
public struct DataForm: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Labelled texts (classification): a text pipeline turns them into ids.
    public static let texts = DataForm("texts")
    /// Feature vectors with a label.
    public static let numeric = DataForm("numeric")
    /// One long text for next-character prediction.
    public static let characters = DataForm("characters")
    /// Token/tag sentences (many-to-many tagging).
    public static let tagged = DataForm("tagged")
    /// Source/target text pairs (sequence to sequence).
    public static let pairs = DataForm("pairs")
    /// A numeric time series (forecasting).
    public static let series = DataForm("series")
}

/// What a source produced.
public enum LoadedData {
    case texts(train: LabeledTextSet, test: LabeledTextSet?)
    case numeric(train: NumericTable, test: NumericTable?)
    case characters(CharacterCorpus)
    case tagged(TaggedSentences)
    case pairs(SequencePairs)
    case series(NumericSeries)
    /// A plugin's own form of data, read by a plugin task that knows `value`'s type.
    case other(form: DataForm, value: Any)

    /// The form this data is in.
    public var form: DataForm {
        switch self {
        case .texts: return .texts
        case .numeric: return .numeric
        case .characters: return .characters
        case .tagged: return .tagged
        case .pairs: return .pairs
        case .series: return .series
        case .other(let form, _): return form
        }
    }
}

/// A plugin that loads a data set (registered as kind `dataset_source`).
public protocol DatasetSource {
    /// The form of data produced, known before anything is read (for spec validation).
    var form: DataForm { get }
    /// Loads; relative paths are resolved against `base` (the spec file's folder).
    func load(relativeTo base: URL) throws -> LoadedData
    /// One example's features from one line a user types (`unroll predict` on a numeric model),
    /// transformed as `load` transforms the file's rows; nil for sources whose examples are not
    /// numeric rows (the default).
    func features(fromLine line: String) throws -> [Float]?
    /// The spec's fields naming files or folders the source reads, with their values (for
    /// `unroll validate`, which checks they exist before any data is read); default none.
    var files: [(field: String, path: String)] { get }
}

extension DatasetSource {
    public func features(fromLine line: String) throws -> [Float]? { nil }
    public var files: [(field: String, path: String)] { [] }
}

func resolve(_ path: String, _ base: URL) -> URL {
    path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path).standardizedFileURL
}

/// CSV/TSV with a text and a label column; an optional split column separates train and test rows.
public struct DelimitedSource: DatasetSource, PluginConfig {
    public var path = "", textColumn = "text", labelColumn = "label"
    /// Column holding `train_value`/`test_value`; empty: no test rows here (the spec's split applies).
    public var splitColumn = "", trainValue = "train", testValue = "test"
    /// One character; empty: tab for .tsv, comma otherwise.
    public var delimiter = ""
    public var onBadRecord = OnBadRecord.fail
    public var files: [(field: String, path: String)] { [("path", path)] }
    public init() {}
    public static var requiredFields: [String] { ["path"] }
    public var form: DataForm { .texts }
    public func load(relativeTo base: URL) throws -> LoadedData {
        guard delimiter.count <= 1 else {
            throw DataError.invalid("delimiter must be one character, got '\(delimiter)'")
        }
        let (table, _) = try DelimitedTable.load(
            resolve(path, base), delimiter: delimiter.first, onBadRecord: onBadRecord)
        guard !splitColumn.isEmpty else {
            return .texts(train: try .fromTable(table, textColumn: textColumn, labelColumn: labelColumn), test: nil)
        }
        // Every row is a training or a test row; a typo in the split column would drop it silently.
        let s = try table.column(splitColumn)
        if onBadRecord == .fail, let i = table.rows.firstIndex(where: { $0[s] != trainValue && $0[s] != testValue }) {
            throw DataError.record(
                path: table.path, line: table.lines[i],
                message: "\(splitColumn) is '\(table.rows[i][s])', expected '\(trainValue)' or '\(testValue)'")
        }
        let trainRows = try table.filter(splitColumn, equals: trainValue)
        let testRows = try table.filter(splitColumn, equals: testValue)
        guard !trainRows.rows.isEmpty else {
            throw DataError.io(path: table.path, message: "no training rows: no row has \(splitColumn) '\(trainValue)'")
        }
        let train = try LabeledTextSet.fromTable(trainRows, textColumn: textColumn, labelColumn: labelColumn)
        let l = try testRows.column(labelColumn)
        if let i = testRows.rows.firstIndex(where: { !train.classNames.contains($0[l]) }) {
            throw DataError.record(
                path: table.path, line: testRows.lines[i],
                message:
                    "label '\(testRows.rows[i][l])' is not among the training rows' labels (\(train.classNames.joined(separator: ", ")))"
            )
        }
        let test = try LabeledTextSet.fromTable(
            testRows, textColumn: textColumn, labelColumn: labelColumn, classNames: train.classNames)
        return .texts(train: train, test: test)
    }
}

/// `root/<train>/<label>/*.txt` (and `root/<test>/…` when present), like Keras.
public struct TextDirectorySource: DatasetSource, PluginConfig {
    public var root = "", trainSplit = "train", testSplit = "test", onBadRecord = OnBadRecord.fail
    public var files: [(field: String, path: String)] { [("root", root)] }
    public init() {}
    public static var requiredFields: [String] { ["root"] }
    public var form: DataForm { .texts }
    public func load(relativeTo base: URL) throws -> LoadedData {
        let r = resolve(root, base)
        let train = try LabeledTextSet.fromDirectory(r, split: trainSplit, onBadRecord: onBadRecord).set
        let hasTest = FileManager.default.fileExists(atPath: r.appendingPathComponent(testSplit).path)
        return .texts(
            train: train,
            test: hasTest ? try LabeledTextSet.fromDirectory(r, split: testSplit, onBadRecord: onBadRecord).set : nil)
    }
}

/// A plain text for character models.
public struct CharacterSource: DatasetSource, PluginConfig {
    public var path = ""
    public var files: [(field: String, path: String)] { [("path", path)] }
    public init() {}
    public static var requiredFields: [String] { ["path"] }
    public var form: DataForm { .characters }
    public func load(relativeTo base: URL) throws -> LoadedData {
        .characters(try CharacterCorpus.load(resolve(path, base)))
    }
}

/// `token<TAB>tag` lines, blank line between sentences.
public struct TaggingSource: DatasetSource, PluginConfig {
    public var path = "", onBadRecord = OnBadRecord.fail
    public var files: [(field: String, path: String)] { [("path", path)] }
    public init() {}
    public static var requiredFields: [String] { ["path"] }
    public var form: DataForm { .tagged }
    public func load(relativeTo base: URL) throws -> LoadedData {
        .tagged(try TaggedSentences.load(resolve(path, base), onBadRecord: onBadRecord))
    }
}

/// Numeric CSV: features then the label.
public struct NumericSource: DatasetSource, PluginConfig {
    public var path = "", header = false, onBadRecord = OnBadRecord.fail
    /// Every feature is multiplied by this (e.g. 0.0625 for 0–16 grey levels).
    public var scale: Float = 1
    public var files: [(field: String, path: String)] { [("path", path)] }
    public init() {}
    public static var requiredFields: [String] { ["path"] }
    public var form: DataForm { .numeric }
    public func load(relativeTo base: URL) throws -> LoadedData {
        var t = try NumericTable.load(resolve(path, base), header: header, onBadRecord: onBadRecord)
        if scale != 1 { t.x = t.x.scaled(by: scale) }
        return .numeric(train: t, test: nil)
    }

    /// The features of a line (comma-separated numbers, no label), scaled like the file's rows.
    public func features(fromLine line: String) throws -> [Float]? {
        try line.split(separator: ",", omittingEmptySubsequences: false).enumerated().map { i, field in
            let f = field.trimmingCharacters(in: .whitespaces)
            guard let v = Float(f), v.isFinite else {
                throw DataError.invalid("feature \(i + 1), '\(f)', is not a finite number")
            }
            return v * scale
        }
    }
}

/// `source<TAB>target` lines (or another one-character delimiter), for sequence to sequence.
public struct PairsSource: DatasetSource, PluginConfig {
    public var path = "", delimiter = "\t", onBadRecord = OnBadRecord.fail
    public var files: [(field: String, path: String)] { [("path", path)] }
    public init() {}
    public static var requiredFields: [String] { ["path"] }
    public var form: DataForm { .pairs }
    public func load(relativeTo base: URL) throws -> LoadedData {
        guard delimiter.count == 1, let d = delimiter.first else {
            throw DataError.invalid("delimiter must be one character, got '\(delimiter)'")
        }
        return .pairs(try SequencePairs.load(resolve(path, base), delimiter: d, onBadRecord: onBadRecord))
    }
}

/// The Keras addition task, generated: `"535+61"` → `"596"` (`SequencePairs.addition`).
public struct AdditionSource: DatasetSource, PluginConfig {
    public var count = 50_000, digits = 3
    /// Seeds the questions (independent of the spec's seed, so the data stays put when the
    /// model's seed changes).
    public var seed = 1
    public init() {}
    public var form: DataForm { .pairs }
    public func load(relativeTo base: URL) throws -> LoadedData {
        guard seed >= 0 else { throw DataError.invalid("seed must be at least 0, got \(seed)") }
        return .pairs(try SequencePairs.addition(count: count, digits: digits, seed: UInt64(seed)))
    }
}

/// The CMU Pronouncing Dictionary: word → phonemes, split by a hash of the word
/// (`SequencePairs.cmudict`).
public struct CMUDictSource: DatasetSource, PluginConfig {
    public var path = "", stress = false, alternatives = false, testAlternatives = false, testPercent = 5
    public var onBadRecord = OnBadRecord.fail
    public var files: [(field: String, path: String)] { [("path", path)] }
    public init() {}
    public static var requiredFields: [String] { ["path"] }
    public static var fieldDocs: [String: String] {
        [
            "stress": "keep the vowels' stress digits (AH0); default drops them (39 phonemes)",
            "alternatives": "also the alternative pronunciations word(2)…; default: the first only",
            "test_alternatives":
                "keep the test words' alternative pronunciations as further references (a word is right if it matches any)",
            "test_percent": "pairs held out for testing, by a hash of the word (a split that never moves)",
        ]
    }
    public var form: DataForm { .pairs }
    public func load(relativeTo base: URL) throws -> LoadedData {
        guard (0...100).contains(testPercent) else {
            throw DataError.invalid("test_percent must be in 0…100, got \(testPercent)")
        }
        return .pairs(
            try SequencePairs.cmudict(
                resolve(path, base), stress: stress, alternatives: alternatives,
                testAlternatives: testAlternatives, testPercent: testPercent, onBadRecord: onBadRecord))
    }
}

/// A numeric time series from a CSV with a header (`NumericSeries.load`).
public struct SeriesSource: DatasetSource, PluginConfig {
    public var path = "", timeColumn = "", columns: [String] = [], missing = NumericSeries.Missing.error
    public var files: [(field: String, path: String)] { [("path", path)] }
    public init() {}
    public static var requiredFields: [String] { ["path"] }
    public static var fieldDocs: [String: String] {
        [
            "time_column": "the column of times (checked to increase when numbers or ISO dates); empty: none",
            "columns": "the value columns; empty: every column but the time column",
            "missing":
                "error (a missing value is an error at its line), interpolate, or drop (leave out the windows that touch it)",
        ]
    }
    public var form: DataForm { .series }
    public func load(relativeTo base: URL) throws -> LoadedData {
        .series(try NumericSeries.load(resolve(path, base), timeColumn: timeColumn, columns: columns, missing: missing))
    }
}

/// Registers the dataset sources.
public enum DatasetsPlugins: PluginModule {
    public static func register(in r: inout Registry) throws {
        func add<S: DatasetSource & PluginConfig>(_ name: String, _ type: S.Type, _ summary: String) throws {
            try r.register(
                .configured(.datasetSource, name, summary: summary, config: S.self) { c, _ in c as any DatasetSource })
        }
        try add("delimited", DelimitedSource.self, "CSV/TSV with text and label columns (optional split column)")
        try add("text_directory", TextDirectorySource.self, "root/{train,test}/{label}/*.txt")
        try add("characters", CharacterSource.self, "a plain text for next-character models")
        try add("tagging", TaggingSource.self, "token<TAB>tag lines, blank line between sentences")
        try add("numeric_csv", NumericSource.self, "features then label, comma-separated")
        try add("pairs", PairsSource.self, "source<TAB>target lines, for sequence to sequence")
        try add("series", SeriesSource.self, "a numeric time series: CSV with a header, optional time column")
        try add("cmudict", CMUDictSource.self, "the CMU Pronouncing Dictionary: word → phonemes")
        try add("addition", AdditionSource.self, "generated 'a+b' → 'sum' pairs (Keras's addition task)")
    }
}
