import Datasets
import Foundation
import Layers
import PluginRegistry
import Specs
import Tensors
import Training
import XCTest

/// The sequence-to-sequence task: pairs files, the packed input, teacher forcing, greedy
/// decoding and the decoded test report.
final class SequenceToSequenceTests: RunnerTestCase {
    static let graph = """
        graph:
          nodes:
            - {name: src, type: Embedding, output_dim: 8, mask_zero: true, inputs: [source]}
            - {name: enc, type: LSTM, units: 24, return_sequences: true}
            - {name: tgt, type: Embedding, output_dim: 8, mask_zero: true, inputs: [target_in]}
            - {name: dec, type: LSTM, units: 24, return_sequences: true, inputs: [tgt, enc.h, enc.c]}
            - {name: att, type: Attention, inputs: [dec, enc]}
            - {name: both, type: Concatenate, inputs: [dec, att]}
            - {name: out, type: Dense, units: 8, activation: softmax}
        """

    /// Words over "abcd" and their reversals: attention learns to read the source backwards.
    func testReversalIsLearntDecodedAndPredicted() throws {
        var rng = SeededGenerator(seed: 9)
        let lines = (0..<400).map { _ -> String in
            let word = String((0..<(3 + Int(rng.nextUnitFloat() * 3))).map { _ in "abcd".randomElement(using: &rng)! })
            return "\(word)\t\(String(word.reversed()))"
        }
        _ = try write("rev.tsv", lines.joined(separator: "\n") + "\n")
        let spec = try write(
            "rev.yaml",
            """
            seed: 4
            data: {source: pairs, path: rev.tsv}
            \(Self.graph)
            loss: sparse_categorical_crossentropy
            optimizer: {type: adam, learning_rate: 0.01}
            epochs: 25
            verbosity: quiet
            output: out
            """)
        let loaded = try SpecLoader(registry: registry).load(spec)
        XCTAssertEqual(loaded.taskName, "sequence_to_sequence")  // the pairs source's default
        XCTAssertEqual(loaded.metrics, ["accuracy", "sequence_accuracy"])
        let r = try runner.train(spec)
        XCTAssertGreaterThanOrEqual(r.test!.metrics["decoded_exact_match"]!, 0.9, "\(r.test!.metrics)")
        XCTAssertLessThan(r.test!.metrics["token_error_rate"]!, 0.05)
        XCTAssertGreaterThan(r.test!.metrics["bleu"]!, 0.8, "mostly exact decodes score near 1")
        let b = try ModelBundle.load(r.bundle, registry: registry)
        XCTAssertEqual(b.model.inputParts.map(\.name), ["source", "target_in"])
        XCTAssertEqual(b.model.inputParts.map { $0.shape[0] }, [5, 6])  // longest word 5, + <start>
        XCTAssertEqual(Array(b.description.classes.prefix(4)), ["<pad>", "[UNK]", "<start>", "<end>"])
        let p = try runner.predict(bundle: r.bundle, texts: ["abcd", "", "dab"])
        XCTAssertEqual(p.map(\.label), ["dcba", "", "bad"])
        XCTAssertEqual(p.map(\.note), [nil, nil, nil])
        // A source longer than the model reads (5 here) decodes its first 5 tokens, with a note.
        let long = try runner.predict(bundle: r.bundle, texts: ["abcdabcd", "abcda"])
        XCTAssertEqual(long[0].label, long[1].label)
        XCTAssertEqual(long[0].note, "8 source tokens; the model reads 5 (source_length): decoded the first 5")
        XCTAssertNil(long[1].note)
        let traced = try runner.trace(r.bundle, input: "abcdabcd")
        XCTAssertEqual(traced.steps.map(\.input), ["a", "b", "c", "d", "a"])
        XCTAssertEqual(traced.note, long[0].note)
        XCTAssertTrue(Tracer.render(traced).hasPrefix("note: 8 source tokens"))
        // Task settings for one run (`--task`): a wider beam and its 3 best, the bundle untouched;
        // a field the task does not have is an error naming it.
        var wider = runner!
        wider.taskSettings = try ["beam_width=3", "n_best=3"].map { try SpecOverride($0) }
        let three = try wider.predict(bundle: r.bundle, texts: ["abcd"])
        XCTAssertEqual(three[0].candidates?.count, 3)
        XCTAssertEqual(three[0].candidates?.first?.text, "dcba")
        XCTAssertNil(try runner.predict(bundle: r.bundle, texts: ["abcd"])[0].candidates?.dropFirst().first)
        wider.taskSettings = [try SpecOverride("beam_wdith=3")]
        XCTAssertThrowsError(try wider.predict(bundle: r.bundle, texts: ["abcd"])) {
            XCTAssertTrue("\($0)".contains("beam_wdith"), "\($0)")
        }
        // Out-of-range settings, and fields that training fixed, are errors naming the setting.
        for (setting, needle) in [
            ("beam_width=0", "'beam_width' must be 1 (greedy) to 1000, got 0"),
            ("beam_width=1000000000", "'beam_width' must be 1 (greedy) to 1000"), ("n_best=0", "'n_best' must be ≥ 1"),
            ("n_best=2", "'n_best' is 2, more than beam_width 1"),
            ("source_length=3", "'source_length' was fixed when the bundle was trained; --task changes beam_width"),
        ] {
            wider.taskSettings = [try SpecOverride(setting)]
            XCTAssertThrowsError(try wider.predict(bundle: r.bundle, texts: ["abcd"])) {
                XCTAssertTrue("\($0)".contains("--task:1:1: \(needle)"), "\(setting): \($0)")
            }
        }
        XCTAssertThrowsError(
            try SpecLoader(registry: registry).load(
                text: try String(contentsOf: spec, encoding: .utf8)
                    + "\ntask: {type: sequence_to_sequence, beam_width: 2, n_best: 3}\n",
                file: spec)
        ) { XCTAssertTrue("\($0)".contains("rev.yaml:17:") && "\($0)".contains("'n_best' is 3"), "\($0)") }
        // Beam search of width 1 is greedy decoding (written out here); a wider beam lists its
        // candidates best first.
        var greedy: [[Int]] = []
        let sources = ["abcd", "dab", "cc", "bbadc"].map { b.pipeline!.vocabulary.encode(b.pipeline!.tokens($0)) }
        for s in sources {
            var tokens: [Int] = []
            for t in 0..<6 {
                var x = [Float](repeating: 0, count: 11)
                for (i, id) in s.enumerated() { x[i] = Float(id) }
                x[5] = 2
                for (i, id) in tokens.enumerated() { x[6 + i] = Float(id) }
                let y = try b.model.predict(try Tensor(shape: [1, 11], scalars: x)).scalars
                let step = Array(y[(t * 8)..<(t * 8 + 8)])
                let best = (3..<8).max { step[$0] < step[$1] || (step[$0] == step[$1] && $0 > $1) }!
                if best == 3 { break }
                tokens.append(best)
            }
            greedy.append(tokens)
        }
        var task = SequenceToSequenceTask()
        XCTAssertEqual(try task.beamSearch(b.model, sources: sources).map { $0[0].tokens }, greedy)
        task.beamWidth = 3
        let wide = try task.beamSearch(b.model, sources: sources)
        XCTAssertEqual(wide.map(\.count), [3, 3, 3, 3])
        for c in wide { XCTAssertGreaterThanOrEqual(c[0].rank(0.6), c[1].rank(0.6)) }
        // Step-by-step decoding (the encoder once, one decoder step per token) finds what
        // re-running the whole model on every prefix finds.
        XCTAssertNoThrow(try ModelStepper(b.model, part: "target_in"), "this model decodes step by step")
        SequenceToSequenceTask.stepwiseDecoding = false
        let rerun = try task.beamSearch(b.model, sources: sources)
        SequenceToSequenceTask.stepwiseDecoding = true
        XCTAssertEqual(rerun.map { $0.map(\.tokens) }, wide.map { $0.map(\.tokens) })
        for (a, c) in zip(rerun.joined(), wide.joined()) {
            XCTAssertEqual(a.logProbability, c.logProbability, accuracy: 1e-4)
        }
        // trace decodes and shows where attention looked: to write "abcd" backwards, the first
        // output step looks mostly at the last letter.
        let t = try runner.trace(r.bundle, input: "abcd")
        XCTAssertEqual(t.decoding!.map(\.token), ["d", "c", "b", "a", "<end>"])
        let first = t.decoding![0].attention["att"]!
        XCTAssertEqual(first.reduce(0, +), 1, accuracy: 1e-4)
        XCTAssertEqual(first.indices.max { first[$0] < first[$1] }, 3)
        XCTAssertTrue(Tracer.render(t).contains("decode 1  'd'"), Tracer.render(t))
        // The stored test split is decoded again by evaluate.
        XCTAssertEqual(
            try runner.evaluate(bundle: r.bundle).metrics["decoded_exact_match"]!,
            r.test!.metrics["decoded_exact_match"]!, accuracy: 1e-9)
        // The report shows the attention of the first test pairs as maps: one row per output
        // token, one shaded cell per source token; the page embeds them.
        let figures = try b.task.reportFigures(b)
        XCTAssertEqual(figures.count, 3, "three test pairs, one attention layer")
        let split = try XCTUnwrap(try b.testSplit())
        let sourceLength = (0..<5).filter { split.x.scalars[$0] != 0 }.count
        let map = figures[0].svg
        XCTAssertTrue(map.hasPrefix("<svg"))
        XCTAssertEqual(
            map.components(separatedBy: "<rect x=").count - 1, sourceLength * (sourceLength + 1),
            "reversing n letters decodes n + 1 tokens (with <end>), each over the n source letters")
        let html = try String(
            contentsOf: try BundleReport.writeHTML(r.bundle, summary: "m", figures: figures), encoding: .utf8)
        XCTAssertTrue(html.contains("id=\"fig-attention-1-att\""))
    }

    /// A decoder ending in logits (no softmax): greedy decoding takes each step's largest logit
    /// and scores it by its log-softmax, computed here from the whole model's outputs.
    func testLogitDecodersAreScoredByTheirLogSoftmax() throws {
        let (ts, tl, vocab) = (4, 5, 9)
        let model = try Model(
            inputShape: [ts + tl],
            nodes: [
                .init(try Embedding(inputDim: vocab, outputDim: 4, maskZero: true), inputs: ["source"], name: "src"),
                .init(try GRU(units: 6, returnSequences: true), inputs: ["src"], name: "enc"),
                .init(try Embedding(inputDim: vocab, outputDim: 4, maskZero: true), inputs: ["target_in"], name: "tgt"),
                .init(try GRU(units: 6, returnSequences: true), inputs: ["tgt", "enc.h"], name: "dec"),
                .init(Dense(units: vocab), inputs: ["dec"], name: "logits"),
            ],
            inputParts: [.init(name: "source", shape: [ts]), .init(name: "target_in", shape: [tl])], seed: 8)
        let source = [4, 5, 6]
        var tokens: [Int] = []
        var logp = 0.0
        for t in 0..<tl {
            let x = SequenceToSequenceTask.packedRow(source: source, tokens: tokens, sourceLength: ts, targetLength: tl)
            let y = try model.predict(try Tensor(shape: [1, ts + tl], scalars: x)).scalars
            let step = Array(y[(t * vocab)..<((t + 1) * vocab)]).map(Double.init)
            let lse = log(step.map { exp($0) }.reduce(0, +))
            let best = (3..<vocab).max { step[$0] < step[$1] || (step[$0] == step[$1] && $0 > $1) }!
            logp += step[best] - lse
            if best == 3 { break }
            tokens.append(best)
        }
        let found = try SequenceToSequenceTask().beamSearch(model, sources: [source])[0][0]
        XCTAssertEqual(found.tokens, tokens)
        XCTAssertEqual(found.logProbability, logp, accuracy: 1e-4)
    }

    /// Several references per source (a word's pronunciations): an output is exact when it equals
    /// any, and its token errors count against the nearest.
    func testDecodedOutputsAreScoredAgainstTheirNearestReference() {
        let m = SequenceToSequenceTask.decodedMetrics(
            [[5, 6, 7], [5, 6], [8]],
            references: [[[5, 6, 8], [5, 6, 7]], [[5, 7, 7], [9, 9, 9, 9]], [[8, 8]]])
        XCTAssertEqual(m["decoded_exact_match"]!, 1.0 / 3.0, accuracy: 1e-12)  // the first, by its 2nd reference
        // Edits 0 (against [5, 6, 7]), 2 (against [5, 7, 7]: one substitution, one insertion), 1 (against [8, 8]).
        XCTAssertEqual(m["token_error_rate"]!, 3.0 / 8.0, accuracy: 1e-12)
        let single = SequenceToSequenceTask.decodedMetrics([[5, 6, 7]], references: [[[5, 6, 8]]])
        XCTAssertEqual(single["decoded_exact_match"]!, 0)
        XCTAssertEqual(single["token_error_rate"]!, 1.0 / 3.0, accuracy: 1e-12)
    }

    /// Corpus BLEU-4, worked by hand: clipped n-gram precisions summed over the corpus, their
    /// geometric mean, the brevity penalty; 0 without a matching 4-gram (no smoothing).
    func testBLEUAgainstHandComputedValues() {
        XCTAssertEqual(BLEU.corpus(candidates: [[1, 2, 3, 4, 5]], references: [[1, 2, 3, 4, 5]]), 1, accuracy: 1e-12)
        // p = 4/5, 3/4, 2/3, 1/2; no brevity penalty
        XCTAssertEqual(
            BLEU.corpus(candidates: [[1, 2, 3, 4, 5]], references: [[1, 2, 3, 4, 6]]), pow(0.2, 0.25), accuracy: 1e-12)
        // all precisions 1, shorter than the reference: BP = exp(1 − 5/4)
        XCTAssertEqual(
            BLEU.corpus(candidates: [[1, 2, 3, 4]], references: [[1, 2, 3, 4, 5]]), exp(-0.25), accuracy: 1e-12)
        // clipping: "7 7 7 7" against one 7 counts one unigram match; no bigram matches → 0
        XCTAssertEqual(BLEU.corpus(candidates: [[7, 7, 7, 7]], references: [[7, 1, 2, 3]]), 0)
        // corpus level: counts are summed before dividing (not a mean of sentence scores)
        let two = BLEU.corpus(
            candidates: [[1, 2, 3, 4, 5], [1, 2, 3, 4]], references: [[1, 2, 3, 4, 6], [1, 2, 3, 4]])
        XCTAssertEqual(two, pow((8.0 / 9) * (6.0 / 7) * (4.0 / 5) * (2.0 / 3), 0.25), accuracy: 1e-12)
    }

    /// A pairs file with a line lacking the tab, or with an empty side, names the line; with
    /// `on_bad_record: skip` those lines are left out and counted.
    func testMalformedPairsAreErrorsWithTheirLine() throws {
        let url = try write("bad.tsv", "ab\tba\n\nabc cba\nx\t\n")
        XCTAssertThrowsError(try SequencePairs.load(url)) { e in
            XCTAssertEqual("\(e)", "\(url.path):3: expected 'sourceTABtarget' (one TAB), found 0 in 'abc cba'")
        }
        let skipped = try SequencePairs.load(url, onBadRecord: .skip)
        XCTAssertEqual(skipped.pairs.map(\.source), ["ab"])
        XCTAssertEqual(skipped.lines, [1])
        XCTAssertEqual(skipped.report.skipped.count, 2)
        XCTAssertTrue("\(skipped.report.skipped[1])".contains(":4: the target is empty"))
    }

    /// Lengths whose packed pairs no machine could hold are an error at the length's line, not a
    /// failed allocation.
    func testLengthsBeyondMemoryAreErrorsAtTheirLine() throws {
        _ = try write("p.tsv", "ab\tba\nabc\tcba\n")
        let spec = try write(
            "huge.yaml",
            """
            seed: 1
            data: {source: pairs, path: p.tsv}
            task:
              type: sequence_to_sequence
              source_length: 1000000000000
            \(Self.graph)
            loss: sparse_categorical_crossentropy
            verbosity: quiet
            output: out
            """)
        XCTAssertThrowsError(try SpecLoader(registry: registry).load(spec).prepareData()) { e in
            XCTAssertTrue(
                "\(e)".contains("huge.yaml:5:18: the packed pairs (inputs and targets) of shape [2, 1000000000004]")
                    && "\(e)".hasSuffix("; lower source_length"), "\(e)")
        }
    }

    /// The generated addition task is the same for the same seed, and its sums are right.
    func testAdditionPairsAreSeededAndCorrect() throws {
        let a = try SequencePairs.addition(count: 500, digits: 3, seed: 7)
        let b = try SequencePairs.addition(count: 500, digits: 3, seed: 7)
        XCTAssertEqual(a.pairs.map(\.source), b.pairs.map(\.source))
        XCTAssertEqual(Set(a.pairs.map(\.source)).count, 500)
        for (q, s) in a.pairs {
            let n = q.split(separator: "+").map { Int($0)! }
            XCTAssertEqual(Int(s), n[0] + n[1])
            XCTAssertTrue(n.allSatisfy { $0 < 1000 })
        }
        XCTAssertThrowsError(try SequencePairs.addition(count: 56, digits: 1, seed: 1)) { e in
            XCTAssertTrue("\(e)".contains("count must be in 1…55"), "\(e)")
        }
    }

    /// Finite differences through a whole teacher-forced encoder–decoder with attention, for
    /// every parameter, on a packed input of source and target ids.
    func testTheTeacherForcedDecoderWithAttentionHasTheTapesGradients() throws {
        let m = try Model(
            inputShape: [7],
            nodes: [
                .init(Embedding(inputDim: 6, outputDim: 3, maskZero: true), inputs: ["source"], name: "se"),
                .init(GRU(units: 4, returnSequences: true), inputs: ["se"], name: "enc"),
                .init(Embedding(inputDim: 6, outputDim: 3, maskZero: true), inputs: ["target_in"], name: "te"),
                .init(GRU(units: 4, returnSequences: true), inputs: ["te", "enc.h"], name: "dec"),
                .init(Attention(score: .general), inputs: ["dec", "enc"], name: "att"),
                .init(Concatenate(), inputs: ["dec", "att"], name: "both"),
                .init(Dense(units: 6, activation: .softmax), inputs: ["both"], name: "out"),
            ],
            inputParts: [.init(name: "source", shape: [3]), .init(name: "target_in", shape: [4])], seed: 3)
        // Row 2's source is padded after two tokens, its target after one.
        let x = try Tensor(shape: [2, 7], scalars: [4, 5, 1, 2, 3, 4, 5, 5, 4, 0, 2, 3, 0, 0])
        let report = try GradientCheck.checkParameters(of: m, input: x)
        XCTAssertLessThan(report.maxError, 2e-2, "\(report)")
    }
}
