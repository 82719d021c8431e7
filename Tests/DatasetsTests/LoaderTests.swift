import Datasets
import Foundation
import Tensors
import TestSupport
import XCTest

final class LoaderTests: XCTestCase {
    func testCSVQuotingEmbeddedTabsNewlinesAndChosenColumns() throws {
        let u = try TestData.temp(
            "id,review,stars\n1,\"Great, really\tgreat\",pos\n2,\"He said \"\"meh\"\"\nthen left\",neg\n3,plain,pos\n",
            name: "r.csv")
        let (t, report) = try DelimitedTable.load(u)
        XCTAssertEqual(t.columns, ["id", "review", "stars"])
        XCTAssertEqual(t.rows[0][1], "Great, really\tgreat")
        XCTAssertEqual(t.rows[1][1], "He said \"meh\"\nthen left")
        XCTAssertEqual(t.lines, [2, 3, 5])
        XCTAssertEqual(report.loaded, 3)
        let s = try LabeledTextSet.fromTable(t, textColumn: "review", labelColumn: "stars")
        XCTAssertEqual(s.classNames, ["neg", "pos"])
        XCTAssertEqual(s.labels, [1, 0, 1])
        XCTAssertThrowsError(try LabeledTextSet.fromTable(t, textColumn: "text", labelColumn: "stars")) { e in
            XCTAssertTrue("\(e)".contains("no column 'text'") && "\(e)".contains("review"), "\(e)")
        }
    }

    func testMalformedRowsFailWithLineOrAreSkippedAndCounted() throws {
        let u = try TestData.temp("a\tb\nx\ty\nonly-one\nz\tw\n", name: "t.tsv")
        XCTAssertThrowsError(try DelimitedTable.load(u)) { e in
            XCTAssertTrue("\(e)".contains("t.tsv:3: 1 fields, expected 2"), "\(e)")
        }
        let (t, report) = try DelimitedTable.load(u, onBadRecord: .skip)
        XCTAssertEqual(t.rows, [["x", "y"], ["z", "w"]])
        XCTAssertEqual(report.skipped.count, 1)
        XCTAssertEqual(report.loaded, 2)
        let unclosed = try TestData.temp("a,b\n\"x,y\n", name: "u.csv")
        XCTAssertThrowsError(try DelimitedTable.load(unclosed)) { e in
            XCTAssertTrue("\(e)".contains("u.csv:2") && "\(e)".contains("not closed"), "\(e)")
        }
    }

    /// With a split column every row must be a training or a test row, there must be training
    /// rows, and a test row's label must be one the training rows have — each error at its line.
    func testSplitColumnValuesAreChecked() throws {
        func load(_ text: String, skip: Bool = false) throws -> LoadedData {
            var src = DelimitedSource()
            src.path = try TestData.temp(text, name: "s.tsv").path
            src.splitColumn = "split"
            if skip { src.onBadRecord = .skip }
            return try src.load(relativeTo: URL(fileURLWithPath: "/"))
        }
        let typo = "split\tlabel\ttext\ntrain\tpos\tgood\ntrian\tneg\tbad\ntest\tpos\tfine\n"
        XCTAssertThrowsError(try load(typo)) { e in
            XCTAssertTrue("\(e)".contains("s.tsv:3: split is 'trian', expected 'train' or 'test'"), "\(e)")
        }
        guard case .texts(let train, let test) = try load(typo, skip: true) else { return XCTFail("not texts") }
        XCTAssertEqual(train.texts, ["good"])
        XCTAssertEqual(test?.texts, ["fine"])
        XCTAssertThrowsError(try load("split\tlabel\ttext\ntest\tpos\tgood\n")) { e in
            XCTAssertTrue("\(e)".contains("s.tsv: no training rows: no row has split 'train'"), "\(e)")
        }
        XCTAssertThrowsError(try load("split\tlabel\ttext\ntrain\tpos\tgood\ntest\tneg\tbad\n")) { e in
            XCTAssertTrue("\(e)".contains("s.tsv:3: label 'neg' is not among the training rows' labels (pos)"), "\(e)")
        }
    }

    func testInvalidUTF8AndMissingFilesNamePathAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let u = dir.appendingPathComponent("bad.csv")
        try Data([0x61, 0x0A, 0x62, 0xFF, 0x0A]).write(to: u)
        XCTAssertThrowsError(try DelimitedTable.load(u)) { e in
            XCTAssertEqual(e as? DataError, .record(path: u.path, line: 2, message: "invalid UTF-8"))
        }
        XCTAssertThrowsError(try DelimitedTable.load(dir.appendingPathComponent("none.csv"))) { e in
            XCTAssertTrue("\(e)".contains("none.csv: no such file"))
        }
    }

    func testTextDirectoryLikeKeras() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("unroll-dir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for (label, files) in [("neg", ["a.txt": "bad film"]), ("pos", ["b.txt": "good film", "c.txt": "great"])] {
            let d = root.appendingPathComponent("train/\(label)")
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            for (n, t) in files { try Data(t.utf8).write(to: d.appendingPathComponent(n)) }
        }
        let (set, report) = try LabeledTextSet.fromDirectory(root, split: "train")
        XCTAssertEqual(set.texts, ["bad film", "good film", "great"])
        XCTAssertEqual(set.labels, [0, 1, 1])
        XCTAssertEqual(set.classNames, ["neg", "pos"])
        XCTAssertEqual(report.loaded, 3)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("train/empty"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try LabeledTextSet.fromDirectory(root, split: "train")) { e in
            XCTAssertTrue("\(e)".contains("'empty' has no .txt files"), "\(e)")
        }
        try Data([0xC3, 0x28]).write(to: root.appendingPathComponent("train/empty/x.txt"))
        XCTAssertThrowsError(try LabeledTextSet.fromDirectory(root, split: "train")) { e in
            XCTAssertTrue("\(e)".contains("x.txt:1: invalid UTF-8"), "\(e)")
        }
        let skipped = try LabeledTextSet.fromDirectory(root, split: "train", onBadRecord: .skip)
        XCTAssertEqual(skipped.report.skipped.count, 1)
        XCTAssertThrowsError(try LabeledTextSet.fromDirectory(root, split: "test"))
    }

    func testCharacterWindowsTaggingAndNumericCSV() throws {
        let c = try CharacterCorpus(text: "hello")
        XCTAssertEqual(c.characters, ["e", "h", "l", "o"])
        let (x, y) = try c.windows(length: 4, stride: 1)
        XCTAssertEqual(x.scalars, [1, 0, 2, 2])
        XCTAssertEqual(y.scalars, [0, 2, 2, 3])  // h e l l → e l l o
        XCTAssertThrowsError(try c.windows(length: 5, stride: 1))
        // 1,000,000 windows of 1,000,000 characters (8 TB) are refused before any allocation.
        let long = try CharacterCorpus(text: String(repeating: "ab", count: 1_000_000))
        XCTAssertThrowsError(try long.windows(length: 1_000_000, stride: 1)) { e in
            XCTAssertTrue(
                "\(e)".contains("the windows (inputs and targets) of shape [1000000, 1000000] is too large"), "\(e)")
        }

        let tags = try TestData.temp("The\tDET\ncat\tNOUN\n\nRuns\tVERB\r\n", name: "tags.tsv")
        let s = try TaggedSentences.load(tags)
        XCTAssertEqual(s.sentences.count, 2)
        XCTAssertEqual(s.sentences[1][0].token, "Runs")
        XCTAssertEqual(s.sentences[1][0].tag, "VERB")
        let badTags = try TestData.temp("The\tDET\ncat NOUN\n", name: "bad.tsv")
        XCTAssertThrowsError(try TaggedSentences.load(badTags)) { e in
            XCTAssertTrue("\(e)".contains("bad.tsv:2"), "\(e)")
        }

        let num = try TestData.temp("1,2,0\n3,4,1\n5,x,1\n", name: "n.csv")
        XCTAssertThrowsError(try NumericTable.load(num)) { e in
            XCTAssertTrue("\(e)".contains("n.csv:3: column 2 is not a number"), "\(e)")
        }
        let t = try NumericTable.load(num, onBadRecord: .skip)
        XCTAssertEqual(t.x.shape, [2, 2])
        XCTAssertEqual(t.y.scalars, [0, 1])
        XCTAssertEqual(t.report.skipped.count, 1)
    }

    func testSplitsAndBatchesAreSeededAndComplete() throws {
        let parts = try Split.indices(count: 10, seed: 4)
        XCTAssertEqual(parts.map(\.count), [8, 2])
        XCTAssertEqual(Set(parts.flatMap { $0 }), Set(0..<10))
        XCTAssertEqual(try Split.indices(count: 10, seed: 4), parts)
        XCTAssertNotEqual(try Split.indices(count: 10, seed: 5), parts)
        XCTAssertThrowsError(try Split.indices(count: 10, fractions: [0.5, 0.6]))
        let b = try BatchSampler(count: 7, batchSize: 3, seed: 1)
        XCTAssertEqual(b.batches(epoch: 1).map(\.count), [3, 3, 1])
        XCTAssertEqual(b.batches(epoch: 1), b.batches(epoch: 1))
        XCTAssertNotEqual(b.batches(epoch: 1), b.batches(epoch: 2))
    }
}
