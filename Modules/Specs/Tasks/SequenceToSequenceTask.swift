import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `sequence_to_sequence`: a source sequence → a target sequence of another length (the notes'
/// many-to-many with different lengths: translation, `"535+61"` → `"596"`, spelling → phonemes).
///
/// Data: a source of form `pairs` (`pairs`, `addition`). Source and target are split into
/// tokens (`characters`, or `words`: whitespace- and punctuation-separated symbols such as
/// phonemes) and share one vocabulary: id 0 padding, 1 unknown, 2 `<start>`, 3 `<end>`, then the
/// tokens of the training pairs by frequency. The model's input packs two named parts that graph
/// nodes read by name:
/// - `source` `[source_length]`: the source ids, padded after the end (mask with `mask_zero`);
/// - `target_in` `[target_length + 1]`: `<start>` and the target — the decoder reads the true
///   previous token while training (teacher forcing);
/// targets are the target and `<end>` `[target_length + 1]` (padding masked). The model ends in
/// one score per vocabulary entry per step (`Dense(units: vocabulary, activation: softmax)`).
/// `predict` decodes greedily, one step per pass, until `<end>`; the test report adds the
/// decoded exact match and the token error rate (edit distance over target length).
public struct SequenceToSequenceTask: LearningTask, PluginConfig {
    /// How a side is split into tokens.
    public enum Tokens: String, Codable, CaseIterable, Sendable { case characters, words }
    public var sourceTokens = Tokens.characters, targetTokens = Tokens.characters
    /// The most tokens of a source and of a target; 0: the longest among the training pairs.
    /// Longer pairs are left out and counted.
    public var sourceLength = 0, targetLength = 0
    /// Beam search width for `predict` and the test report (1: greedy).
    public var beamWidth = 1
    /// Length normalisation α: a finished candidate ranks by `log p / len^α` (0: none).
    public var lengthPenalty = 0.6
    /// How many candidates `predict --json` lists (at most the beam width).
    public var nBest = 1
    /// A `source<TAB>target` file whose targets replace the training pairs' own for the same
    /// sources — sequence-level knowledge distillation, a teacher's decodings (`unroll distill`);
    /// validation and test pairs keep theirs. Relative to the spec; empty: none.
    public var trainTargets = ""
    public init() {}

    public static let start = "<start>", end = "<end>", pad = "<pad>"
    static let startID = 2, endID = 3

    public static var fieldDocs: [String: String] {
        [
            "source_tokens": "characters, or words (whitespace- and punctuation-separated symbols)",
            "target_tokens": "characters, or words", "source_length": "most source tokens (0: the longest seen)",
            "target_length": "most target tokens (0: the longest seen)",
            "beam_width": "candidates kept per decoding step (1: greedy; at most 1000)",
            "length_penalty": "α in log p / len^α when ranking finished candidates",
            "n_best": "candidates predict --json lists (at most beam_width)",
            "train_targets":
                "source<TAB>target file replacing the training pairs' targets (a teacher's decodings: unroll distill)",
        ]
    }

    public var files: [(field: String, path: String)] { trainTargets.isEmpty ? [] : [("train_targets", trainTargets)] }
    public var runSettings: [String] { ["beam_width", "length_penalty", "n_best"] }
    /// The widest beam: a wider one keeps more candidates per source than any vocabulary here
    /// needs, and its memory grows with the width.
    public static let maxBeamWidth = 1000

    public func checkFields() throws {
        func check(_ field: String, _ ok: Bool, _ message: String) throws {
            if !ok { throw ConfigError.invalidValue(field: field, message: message) }
        }
        try check("source_length", sourceLength >= 0, "must be ≥ 0 (0: the longest seen), got \(sourceLength)")
        try check("target_length", targetLength >= 0, "must be ≥ 0 (0: the longest seen), got \(targetLength)")
        try check(
            "beam_width", (1...Self.maxBeamWidth).contains(beamWidth),
            "must be 1 (greedy) to \(Self.maxBeamWidth), got \(beamWidth)")
        try check("n_best", nBest >= 1, "must be ≥ 1, got \(nBest)")
        try check(
            "n_best", nBest <= beamWidth,
            "is \(nBest), more than beam_width \(beamWidth): a beam keeps at most its width of candidates")
        try check("length_penalty", lengthPenalty.isFinite, "must be a finite number, got \(lengthPenalty)")
    }
    public func reads(_ form: DataForm) -> Bool { form == .pairs }
    public func isDefault(for form: DataForm) -> Bool { form == .pairs }
    public var perStep: Bool { true }
    public var defaultMetrics: [String] { ["accuracy", "sequence_accuracy"] }
    public func inputShape(_ s: TaskSections) throws -> [Int] {
        [inputParts(s).reduce(0) { $0 + $1.shape[0] }]
    }
    public func inputParts(_ s: TaskSections) -> [Model.InputPart] {
        [
            Model.InputPart(name: "source", shape: [max(1, sourceLength)]),
            Model.InputPart(name: "target_in", shape: [max(1, targetLength) + 1]),
        ]
    }

    func tokenizer(_ t: Tokens) -> Tokenizer { t == .characters ? .characters : .words }

    public func describe(_ data: PreparedData) -> String {
        let parts = data.inputParts.map { "\($0.name) \($0.shape[0])" }.joined(separator: ", ")
        return
            "data: \(data.xTrain.shape[0]) training and \(data.xTest.shape[0]) test pairs, vocabulary \(data.classNames.count) (\(parts) tokens)"
            + data.notes.map { "; \($0)" }.joined()
    }

    public func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData {
        guard case .pairs(let pairs) = loaded else { throw spec.wrongForm(loaded, self) }
        let encoding = TargetEncoding.forLoss(fixed?.loss ?? spec.loss.made as? any Loss)
        let (srcTok, tgtTok) = (tokenizer(sourceTokens), tokenizer(targetTokens))
        var tokenized = pairs.pairs.map { (srcTok.tokenize($0.source), tgtTok.tokenize($0.target)) }
        let parts = try split(pairs, spec: spec)
        let fixedParts = fixed.flatMap { $0.inputParts.isEmpty ? nil : $0.inputParts }
        let ts =
            fixedParts?.first?.shape[0]
            ?? (sourceLength > 0 ? sourceLength : parts[0].map { tokenized[$0].0.count }.max() ?? 1)
        let tt =
            fixedParts.map { $0[1].shape[0] - 1 }
            ?? (targetLength > 0 ? targetLength : parts[0].map { tokenized[$0].1.count }.max() ?? 1)
        let taskNode = spec.root["task"] ?? spec.data.node
        if let problem = MemoryBudget.problem(
            shape: [pairs.pairs.count, ts + tt + 1], bytesPerElement: 8, what: "the packed pairs (inputs and targets)")
        {
            let field = ts >= tt ? "source_length" : "target_length"
            throw spec.mismatch(taskNode[field] ?? taskNode, problem + "; lower \(field)")
        }
        func fits(_ i: Int) -> Bool { tokenized[i].0.count <= ts && tokenized[i].1.count <= tt }
        var notes: [String] = []
        if fixed == nil, !trainTargets.isEmpty {
            let kept = parts[0].filter(fits)
            let training = kept.dropLast(FitOptions.validationCount(of: kept.count, split: spec.split.validation))
            notes.append(
                try replaceTargets(
                    of: Array(training), in: &tokenized, pairs: pairs, test: parts[1], targetLength: tt, spec: spec))
        }
        // The vocabulary comes from the training pairs (or the bundle).
        let vocabulary: Vocabulary
        if let v = fixed?.pipeline?.vocabulary {
            vocabulary = v
        } else {
            let counted = Vocabulary.build(from: parts[0].flatMap { [tokenized[$0].0, tokenized[$0].1] })
            vocabulary = try Vocabulary(
                tokens: [Vocabulary.padding, Vocabulary.oov, Self.start, Self.end]
                    + counted.tokens.dropFirst(2).filter { $0 != Self.start && $0 != Self.end })
        }
        func encode(_ idx: [Int]) throws -> (Tensor, Tensor) {
            let kept = idx.filter(fits)
            var x: [Float] = []
            x.reserveCapacity(kept.count * (ts + tt + 1))
            var y = [Int](repeating: 0, count: kept.count * (tt + 1))
            for (r, i) in kept.enumerated() {
                let (s, t) = (vocabulary.encode(tokenized[i].0), vocabulary.encode(tokenized[i].1))
                x += Self.packedRow(source: s, tokens: t, sourceLength: ts, targetLength: tt + 1)
                for (k, id) in t.enumerated() { y[r * (tt + 1) + k] = id }
                y[r * (tt + 1) + t.count] = Self.endID
            }
            let xs = try Tensor(shape: [kept.count, ts + tt + 1], scalars: x)
            return (xs, try encoding.encode(y, classes: vocabulary.count, shape: [kept.count, tt + 1]))
        }
        let ((xa, ya), (xb, yb)) = (try encode(parts[0]), try encode(parts[1]))
        guard xa.shape[0] > 0 else {
            throw spec.mismatch(
                spec.data.node, "no training pair fits source_length \(ts) and target_length \(tt)")
        }
        let pipeline = TextPipeline(
            cleaner: TextCleaner([]), tokenizer: srcTok, vocabulary: vocabulary, sequenceLength: ts, padding: .post,
            truncating: .post)
        var data = PreparedData(
            xTrain: xa, yTrain: ya, xTest: xb, yTest: yb, inputShape: [ts + tt + 1],
            classNames: [Self.pad] + vocabulary.tokens.dropFirst(), pipeline: pipeline,
            vocabularySize: vocabulary.count, perStep: true, form: .pairs)
        data.inputParts = [
            Model.InputPart(name: "source", shape: [ts]), Model.InputPart(name: "target_in", shape: [tt + 1]),
        ]
        data.notes = notes
        return data
    }

    /// The training and the test pairs' indices: the source's own split when it has one (a hash
    /// of the word), else the spec's seeded one; training pairs in a seeded order either way (the
    /// validation rows are the last ones).
    func split(_ pairs: SequencePairs, spec: Spec) throws -> [[Int]] {
        let n = pairs.pairs.count
        guard let isTest = pairs.isTest else {
            return try Split.indices(count: n, fractions: [1 - spec.split.test, spec.split.test], seed: spec.splitSeed)
        }
        let order = try Split.indices(count: n, fractions: [1], seed: spec.splitSeed)[0]
        return [order.filter { !isTest[$0] }, (0..<n).filter { isTest[$0] }]
    }

    /// The training pairs' distinct sources (validation ones included; no test source), in the
    /// data's order: what `unroll distill` decodes.
    public func trainingInputs(_ loaded: LoadedData, spec: Spec) throws -> [String] {
        guard case .pairs(let pairs) = loaded else { throw spec.wrongForm(loaded, self) }
        var seen = Set<String>()
        return try split(pairs, spec: spec)[0].sorted().map { pairs.pairs[$0].source }.filter {
            seen.insert($0).inserted
        }
    }

    public func checkClasses(_ classes: [String], outputs: Int) -> String? {
        guard classes.count >= 4, classes[2] == Self.start, classes[3] == Self.end else {
            return "a sequence-to-sequence model's vocabulary starts with <pad>, [UNK], <start>, <end>"
        }
        return classes.count < outputs ? "\(classes.count) names for \(outputs) outputs" : nil
    }

    /// One example's packed input: the source ids padded to `sourceLength`, then `target_in` —
    /// `<start>` and the target tokens so far — padded to `targetLength` (tokens past it dropped).
    public static func packedRow(source: [Int], tokens: [Int], sourceLength ts: Int, targetLength tl: Int) -> [Float] {
        var row = [Float](repeating: 0, count: ts + tl)
        for (i, id) in source.prefix(ts).enumerated() { row[i] = Float(id) }
        row[ts] = Float(startID)
        for (i, id) in tokens.prefix(tl - 1).enumerated() { row[ts + 1 + i] = Float(id) }
        return row
    }

    public func predict(_ b: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction] {
        try predict(b, ensemble: [], lines: lines, registry: registry)
    }

    /// Decodes each line with the bundle's model and the `ensemble`'s (their mean probabilities).
    public func predict(_ b: ModelBundle, ensemble: [Model], lines: [String], registry: Registry) throws
        -> [Runner.Prediction]
    {
        guard let p = b.pipeline else { throw TaskError("a sequence-to-sequence bundle needs pipeline.json") }
        let sources = lines.map { p.vocabulary.encode(p.tokens($0)) }
        let found = try beamSearch([b.model] + ensemble, sources: sources)
        let joiner = targetTokens == .characters ? "" : " "
        func text(_ c: Candidate) -> String { c.tokens.map { b.description.classes[$0] }.joined(separator: joiner) }
        return zip(zip(lines, sources), found).map { input, candidates in
            var p = Runner.Prediction(
                text: input.0, label: candidates.first.map(text) ?? "", probabilities: [:],
                value: candidates.first?.logProbability)
            p.note = Self.truncationNote(input.1.count, model: b.model)
            p.candidates = candidates.prefix(max(1, nBest)).map {
                Runner.Candidate(text: text($0), logProbability: $0.logProbability)
            }
            return p
        }
    }

    /// Decodes `input` greedily and shows each output token with its probability, the most
    /// likely alternatives, and where every attention layer looked over the source tokens.
    public func trace(_ model: Model, input: String, symbols: [String], pipeline: TextPipeline?) throws -> Trace? {
        guard let p = pipeline else { throw TaskError("a sequence-to-sequence model needs its pipeline") }
        let tokens = p.tokens(input)
        let shown = Array(tokens.prefix(model.inputParts.first?.shape[0] ?? tokens.count))
        var t = try trace(model, source: p.vocabulary.encode(shown), shown: shown, symbols: symbols)
        t?.note = Self.truncationNote(tokens.count, model: model)
        return t
    }

    /// The note for a source of `count` tokens, nil when `model` reads them all (its `source`
    /// part); of a longer one the first tokens are decoded (`packedRow` drops the rest).
    static func truncationNote(_ count: Int, model: Model) -> String? {
        guard let readable = model.inputParts.first?.shape[0], count > readable else { return nil }
        return "\(count) source tokens; the model reads \(readable) (source_length): decoded the first \(readable)"
    }

    /// The report's attention maps: the first test pairs (up to 3) decoded greedily, each attention
    /// layer's weights per output token over the source tokens.
    public func reportFigures(_ bundle: ModelBundle) throws -> [BundleReport.Figure] {
        guard bundle.model.layers.contains(where: { $0 is any ExposesAttentionWeights }),
            let split = try bundle.testSplit(), bundle.model.inputParts.count == 2
        else { return [] }
        let ts = bundle.model.inputParts[0].shape[0]
        let symbols = bundle.description.classes
        var figures: [BundleReport.Figure] = []
        for r in 0..<min(3, split.x.shape[0]) {
            let row = try split.x.slice(axis: 0, start: r, length: 1).scalars
            let source = row.prefix(ts).map { Int($0) }.filter { $0 != 0 && $0 < symbols.count }
            guard !source.isEmpty,
                let decoding = try trace(
                    bundle.model, source: source, shown: source.map { symbols[$0] }, symbols: symbols)?.decoding
            else { continue }
            for layer in Set(decoding.flatMap(\.attention.keys)).sorted() {
                let map = WeightMap(
                    title: "\(layer): test pair \(r + 1)", rows: decoding.map(\.token),
                    columns: source.map { symbols[$0] },
                    weights: decoding.map { ($0.attention[layer] ?? []).map(Double.init) })
                figures.append(
                    BundleReport.Figure(
                        id: "attention-\(r + 1)-\(layer)", title: "Attention of \(layer), test pair \(r + 1)",
                        svg: map.svg()))
            }
        }
        return figures
    }

    /// The greedy decoding of `source` (ids), step by step with each attention layer's weights.
    func trace(_ model: Model, source: [Int], shown: [String], symbols: [String]) throws -> Trace? {
        guard !source.isEmpty else { throw TrainingError.invalid("trace needs at least one input token") }
        var greedy = self
        greedy.beamWidth = 1
        let tokens = try greedy.beamSearch(model, sources: [source])[0][0].tokens
        let (ts, tl) = (model.inputParts[0].shape[0], model.inputParts[1].shape[0])
        let x = Self.packedRow(source: source, tokens: tokens, sourceLength: ts, targetLength: tl)
        let y = try withNoGrad { () -> Tensor in
            var ctx = ForwardContext(training: false)
            return try model.forward(try Tensor(shape: [1, ts + tl], scalars: x), context: &ctx)
        }
        let v = y.shape[2]
        let probabilities = model.nodes.last?.layer.outputActivation == .softmax
        let attention = model.layers.compactMap { $0 as? any ExposesAttentionWeights }
        let chosen = tokens + [Self.endID]
        var steps: [Trace.DecodeStep] = []
        for t in 0..<min(chosen.count, tl) {
            let row = Array(y.scalars[(t * v)..<((t + 1) * v)])
            let pr = probabilities ? row : try Tensor(row).softmax().scalars
            let top = pr.indices.sorted { pr[$0] > pr[$1] }.prefix(3)
            var looked: [String: [Float]] = [:]
            for a in attention {
                guard let w = a.lastWeights, w.rank == 3, t < w.shape[1] else { continue }
                let tv = w.shape[2]
                looked[a.name] = Array(w.scalars[(t * tv)..<(t * tv + min(source.count, tv))])
            }
            steps.append(
                Trace.DecodeStep(
                    step: t + 1, token: symbols[chosen[t]], probability: pr[chosen[t]],
                    top: Dictionary(uniqueKeysWithValues: top.map { (symbols[$0], pr[$0]) }), attention: looked))
        }
        var trace = Trace(
            symbols: symbols,
            steps: shown.enumerated().map {
                Trace.Step(step: $0.offset + 1, input: $0.element, layers: [], output: nil, probabilities: nil)
            }, finalOutput: nil, finalProbabilities: nil)
        trace.decoding = steps
        return trace
    }

    /// The test pairs decoded (with the task's beam): exact match, token error rate and BLEU.
    /// Pairs that share a source (a word's alternative pronunciations: the `cmudict` source's
    /// `test_alternatives`) are one decoded source with several references: it is an exact
    /// match when it equals any of them, and its token errors and BLEU are counted against the
    /// nearest (fewest edits, then the shortest).
    public func testMetrics(model: Model, data: PreparedData) throws -> [String: Double] {
        try testMetrics(models: [model], data: data)
    }

    /// `testMetrics(model:data:)` decoding with an ensemble: the models' mean probabilities.
    public func testMetrics(models: [Model], data: PreparedData) throws -> [String: Double] {
        let n = data.xTest.shape[0]
        guard n > 0 else { return [:] }
        let ts = data.inputParts[0].shape[0]
        let width = data.xTest.shape[1]
        let tl = width - ts
        let xs = data.xTest.scalars
        let rowSources = (0..<n).map { r in (0..<ts).map { Int(xs[r * width + $0]) }.filter { $0 != 0 } }
        // The target is target_in without <start>.
        let targets = (0..<n).map { r in (1..<tl).map { Int(xs[r * width + ts + $0]) }.filter { $0 != 0 } }
        // Each distinct source once, with its references in order.
        var sources: [[Int]] = []
        var references: [[[Int]]] = []
        var index: [[Int]: Int] = [:]
        for (s, t) in zip(rowSources, targets) {
            if let i = index[s] {
                references[i].append(t)
            } else {
                index[s] = sources.count
                sources.append(s)
                references.append([t])
            }
        }
        return Self.decodedMetrics(try decode(models, sources: sources), references: references)
    }

    /// Exact match, token error rate and BLEU of `decoded` outputs, each against its references
    /// (one or more): exact when it equals any; token errors and BLEU against the nearest (fewest
    /// edits, then the shortest).
    public static func decodedMetrics(_ decoded: [[Int]], references: [[[Int]]]) -> [String: Double] {
        var exact = 0
        var edits = 0
        var length = 0
        var nearest: [[Int]] = []
        for (d, refs) in zip(decoded, references) {
            let scored = refs.map { (EditDistance.between(d, $0), $0) }
            let best = scored.min { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1.count < $1.1.count) } ?? (d.count, [])
            if best.0 == 0 { exact += 1 }
            edits += best.0
            length += best.1.count
            nearest.append(best.1)
        }
        return [
            "decoded_exact_match": Double(exact) / Double(max(1, decoded.count)),
            "token_error_rate": Double(edits) / Double(max(1, length)),
            // corpus BLEU-4 over the target tokens (the translation score, for word-level targets)
            "bleu": BLEU.corpus(candidates: decoded, references: nearest),
        ]
    }
}
