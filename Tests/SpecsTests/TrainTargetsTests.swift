import Datasets
import Foundation
import Specs
import XCTest

/// `train_targets` (sequence-level distillation): a pairs file replaces the training pairs'
/// targets only; validation and test pairs keep the data's; a test source in the file, or two
/// targets for one source, is an error naming the file's line.
final class TrainTargetsTests: RunnerTestCase {
    /// 40 distinct words over "abcd" and their reversals.
    func pairs() -> [(String, String)] {
        let letters = Array("abcd")
        return (0..<40).map { i in
            let w = String([letters[i % 4], letters[(i / 4) % 4], letters[(i / 16) % 4], "d"].prefix(3 + i % 2))
            return (w, String(w.reversed()))
        }
    }

    func spec(
        _ extra: String, epochs: Int = 1, data: String = "{source: pairs, path: data.tsv}", symbols: Int = 8
    ) throws -> Spec {
        _ = try write("data.tsv", pairs().map { "\($0.0)\t\($0.1)" }.joined(separator: "\n") + "\n")
        let url = try write(
            "s.yaml",
            """
            seed: 3
            data: \(data)
            task: {type: sequence_to_sequence, target_length: 6\(extra)}
            split: {test: 0.25, validation: 0.25}
            graph:
              nodes:
                - {name: src, type: Embedding, output_dim: 4, mask_zero: true, inputs: [source]}
                - {name: enc, type: GRU, units: 8}
                - {name: tgt, type: Embedding, output_dim: 4, mask_zero: true, inputs: [target_in]}
                - {name: dec, type: GRU, units: 8, return_sequences: true, inputs: [tgt, enc]}
                - {name: out, type: Dense, units: \(symbols), activation: softmax}
            loss: sparse_categorical_crossentropy
            optimizer: {type: adam, learning_rate: 0.02}
            epochs: \(epochs)
            verbosity: quiet
            output: out
            """)
        return try SpecLoader(registry: registry).load(url)
    }

    /// Each row's source and target as texts (ids read through the data's class names).
    func rows(_ x: [Float], _ y: [Float], _ d: PreparedData) -> [(source: String, target: String)] {
        let (ts, tl) = (d.inputParts[0].shape[0], d.inputParts[1].shape[0])
        return (0..<(x.count / (ts + tl))).map { r in
            let s = x[(r * (ts + tl))..<(r * (ts + tl) + ts)].filter { $0 != 0 }.map { d.classNames[Int($0)] }
            let t = y[(r * tl)..<(r * tl + tl)].prefix { $0 != 3 }.map { d.classNames[Int($0)] }
            return (s.joined(), t.joined())
        }
    }

    func testTrainingTargetsComeFromTheFileAndTheRestKeepTheirOwn() throws {
        let plain = try spec("").prepareData()
        let testSources = Set(rows(plain.xTest.scalars, plain.yTest.scalars, plain).map(\.source))
        XCTAssertEqual(testSources.count, 10)
        // The teacher's "decodings": the word with "cc" in front, and one too long for target_length 6.
        let teacher = pairs().filter { !testSources.contains($0.0) }.map { w, _ in
            "\(w)\t\(w == "aaa" ? "cccccccc" : "cc" + w)"
        }
        _ = try write("teacher.tsv", teacher.joined(separator: "\n") + "\n")
        let d = try spec(", train_targets: teacher.tsv").prepareData()
        XCTAssertEqual(d.xTrain.shape, plain.xTrain.shape)
        let train = rows(d.xTrain.scalars, d.yTrain.scalars, d)
        let before = rows(plain.xTrain.scalars, plain.yTrain.scalars, plain)
        XCTAssertEqual(train.map(\.source), before.map(\.source), "the same rows in the same order")
        let validation = 7  // ⌊30 · 0.25⌋, the last rows
        for (r, row) in train.enumerated() {
            let own = String(row.source.reversed())
            if r >= train.count - validation || row.source == "aaa" {
                XCTAssertEqual(row.target, own, "row \(r): a validation row, or a file target too long, keeps its own")
            } else {
                XCTAssertEqual(row.target, "cc" + row.source, "row \(r)")
            }
        }
        let test = rows(d.xTest.scalars, d.yTest.scalars, d)
        XCTAssertEqual(test.map(\.target), test.map { String($0.source.reversed()) }, "test pairs keep theirs")
        let aaaTrains = train.dropLast(validation).contains { $0.source == "aaa" }
        XCTAssertEqual(
            d.notes,
            [
                "\(aaaTrains ? 22 : 23) of 23 training targets from teacher.tsv (\(aaaTrains ? 22 : 23) differ from the data's)"
                    + (aaaTrains ? ", 1 longer than target_length 6 kept their own" : "")
            ])
    }

    func testATestSourceOrTwoTargetsForOneSourceIsAnErrorWithItsLine() throws {
        let plain = try spec("").prepareData()
        let test = rows(plain.xTest.scalars, plain.yTest.scalars, plain)[0].source
        let train = rows(plain.xTrain.scalars, plain.yTrain.scalars, plain)[0].source
        let leak = try write("leak.tsv", "\(train)\tab\n\(test)\tab\n")
        XCTAssertThrowsError(try spec(", train_targets: leak.tsv").prepareData()) { e in
            XCTAssertEqual(
                "\(e)",
                "\(leak.path):2: '\(test)' is a test source: targets decoded for it would leak the test part into training"
            )
        }
        let twice = try write("twice.tsv", "\(train)\tab\n\n\(train)\tba\n")
        XCTAssertThrowsError(try spec(", train_targets: twice.tsv").prepareData()) { e in
            XCTAssertEqual(
                "\(e)", "\(twice.path):3: '\(train)' already has the target 'ab' (line 1); give one per source")
        }
        _ = try write("none.tsv", "zzz\tab\n")
        XCTAssertThrowsError(try spec(", train_targets: none.tsv").prepareData()) { e in
            XCTAssertTrue("\(e)".contains("s.yaml:3:"), "\(e)")
            XCTAssertTrue("\(e)".contains("none of the 1 sources in"), "\(e)")
        }
        // validate names a train_targets file that is not there, at its key.
        let missing = try spec(", train_targets: gone.tsv").missingFiles()
        XCTAssertEqual(missing.map(\.line), [3])
        XCTAssertTrue(missing.first?.message.hasSuffix("/gone.tsv") ?? false, "\(missing)")
    }

    /// `distill` decodes the training inputs (validation ones too, no test input) with a
    /// teacher as `predict` does and writes them as pairs, which a student reads as its
    /// `train_targets`.
    func testDistillWritesTheTeachersDecodingsOfTheTrainingInputs() throws {
        let s = try spec("", epochs: 15)
        let teacher = try runner.train(s.file)
        let out = dir.appendingPathComponent("kd/teacher.tsv")
        let d = try runner.distill(bundle: teacher.bundle, spec: s.file, output: out, chunk: 7)
        let plain = try s.prepareData()
        let training = rows(plain.xTrain.scalars, plain.yTrain.scalars, plain).map(\.source)
        XCTAssertEqual(d.decoded, 30)
        let written = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: "\t").map(String.init)
        }
        XCTAssertEqual(written.count, 30 - d.empty)
        XCTAssertGreaterThan(written.count, 20, "a teacher trained 15 epochs decodes most words to something")
        XCTAssertTrue(Set(written.map { $0[0] }).isSubset(of: Set(training)), "only training inputs")
        let predicted = try runner.predict(bundle: teacher.bundle, texts: written.map { $0[0] })
        XCTAssertEqual(written.map { $0[1] }, predicted.map(\.label))
        let student = try spec(", train_targets: kd/teacher.tsv").prepareData()
        XCTAssertTrue(
            student.notes.first?.contains(" of 23 training targets from teacher.tsv") ?? false, "\(student.notes)")
        let decoded = Dictionary(uniqueKeysWithValues: written.map { ($0[0], $0[1]) })
        for row in rows(student.xTrain.scalars, student.yTrain.scalars, student).prefix(23) {
            if let t = decoded[row.source], t.count <= 6 { XCTAssertEqual(row.target, t, row.source) }
        }
        // A spec of another task is refused naming both tasks (it once blamed the spec's task for
        // what the teacher's could not read), and nothing is written.
        _ = try write("texts.tsv", "text\tlabel\ngood\tpos\nbad\tneg\n")
        let texts = try write(
            "texts.yaml",
            "data: {source: delimited, path: texts.tsv, text_column: text, label_column: label}\n"
                + "text: {sequence_length: 4}\nmodel: [{type: Embedding, output_dim: 3}, {type: GRU, units: 3}, "
                + "{type: Dense, units: 2, activation: softmax}]\nloss: sparse_categorical_crossentropy\n")
        let other = dir.appendingPathComponent("kd/other.tsv")
        XCTAssertThrowsError(try runner.distill(bundle: teacher.bundle, spec: texts, output: other)) { e in
            XCTAssertTrue(
                "\(e)".contains(
                    "texts.yaml:1:7: the bundle was trained for sequence_to_sequence, and this spec's task is text_classification: distill"
                ),
                "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.path))
    }

    /// A training input holding a tab (a `|`-delimited pairs file allows one) cannot be an
    /// `input<TAB>output` line: `distill` says so and writes nothing.
    func testDistillRefusesAnInputWithATab() throws {
        _ = try write(
            "bars.txt", pairs().map { "\($0.0.prefix(1))\t\($0.0.dropFirst())|\($0.1)" }.joined(separator: "\n"))
        let s = try spec("", data: "{source: pairs, path: bars.txt, delimiter: '|'}", symbols: 9)  // the tab is one
        let teacher = try runner.train(s.file)
        let out = dir.appendingPathComponent("teacher.tsv")
        XCTAssertThrowsError(try runner.distill(bundle: teacher.bundle, spec: s.file, output: out)) { e in
            XCTAssertTrue("\(e)".contains("holds a tab or line break"), "\(e)")
            XCTAssertTrue("\(e)".contains("teacher.tsv"), "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }
}
