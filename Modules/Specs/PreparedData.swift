import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// A spec's data as tensors, with what is needed to reproduce the encoding at prediction time.
public struct PreparedData {
    public var xTrain: Tensor, yTrain: Tensor
    public var xTest: Tensor, yTest: Tensor
    /// Per-example input shape.
    public var inputShape: [Int]
    /// Class names (texts/numeric), tag names (tagged), or the alphabet (characters).
    public var classNames: [String]
    /// The text pipeline (texts and tagged data).
    public var pipeline: TextPipeline?
    /// Size of the id space fed to the first layer (Embedding `input_dim`, OneHot `depth`).
    public var vocabularySize: Int?
    /// Token counts of the training texts (GloVe coverage).
    public var tokenCounts: [String: Int] = [:]
    /// Whether targets are one per time step.
    public var perStep: Bool
    /// The form the data came in.
    public var form: DataForm
}

/// What a trained bundle fixes about encoding data: the classes (alphabet, tags), the text
/// pipeline with its vocabulary, and the loss the targets are encoded for.
public struct FixedEncoding {
    public var classes: [String]
    public var pipeline: TextPipeline?
    /// The bundle's loss, which decides how targets are encoded.
    public var loss: any Loss
    public init(classes: [String], pipeline: TextPipeline?, loss: any Loss) {
        (self.classes, self.pipeline, self.loss) = (classes, pipeline, loss)
    }
}

extension PreparedData {
    /// The tag of padding positions in tagging data (id 0).
    public static let paddingTag = "<pad>"

    /// A numeric label's class name: an integer as written (`3`), anything else as a Float (`0.5`,
    /// `1e+30`). Whole numbers beyond ±2^53 are written as Floats too (`Int(1e30)` would trap).
    public static func className(ofLabel v: Float) -> String {
        v == v.rounded() && abs(v) < 9.0e15 ? String(Int(v)) : String(v)
    }
}

/// How targets must be encoded for a loss, from what the loss reads (`Loss.targets`).
enum TargetEncoding {
    case binaryColumn, oneHot, indices

    static func forLoss(_ loss: (any Loss)?) -> TargetEncoding {
        switch loss?.targets ?? .oneHot {
        case .binary: return .binaryColumn
        case .indices: return .indices
        case .oneHot, .values: return .oneHot
        }
    }

    func encode(_ labels: [Int], classes: Int, shape: [Int]) throws -> Tensor {
        let t = try Tensor(shape: shape, scalars: labels.map(Float.init))
        switch self {
        case .indices: return t
        case .oneHot: return try Tensor.oneHot(t, depth: classes)
        case .binaryColumn: return try t.reshaped(shape + [1])
        }
    }
}

/// Problems that only the data can reveal; positioned at the spec node they concern.
public struct DataMismatch: Error, CustomStringConvertible {
    public var issue: SpecIssue
    public var description: String { issue.description }
}

extension Spec {
    func mismatch(_ node: SpecNode, _ message: String, layer: String? = nil, hint: String? = nil) -> DataMismatch {
        DataMismatch(
            issue: SpecIssue(
                file: file.path, line: node.line, column: node.column, layer: layer, message: message, hint: hint))
    }

    /// Reads the data and encodes it as the spec says; with `fixed` (a trained bundle's classes,
    /// alphabet or tags, and its text pipeline), encodes with those instead of fitting new ones,
    /// and a class, symbol or tag the bundle lacks is an error.
    public func prepareData(fixed: FixedEncoding? = nil) throws -> PreparedData {
        let loaded = try data.source.load(relativeTo: baseDirectory)
        let encoding = TargetEncoding.forLoss(fixed?.loss ?? loss.made as? any Loss)
        switch loaded {
        case .texts(let train0, let test0):
            guard let text else { throw mismatch(data.node, "text data needs a 'text' section") }
            var (train, test) = (train0, test0)
            if test == nil {
                let parts = try Split.indices(count: train0.count, fractions: [1 - split.test, split.test], seed: seed)
                (train, test) = (train0.subset(parts[0]), train0.subset(parts[1]))
            } else {
                // Files are often sorted (by label, say); the validation split takes the last rows,
                // so put the training rows in a seeded random order first.
                train = train0.subset(try Split.indices(count: train0.count, fractions: [1], seed: seed)[0])
            }
            let classes = fixed?.classes ?? train.classNames
            // The test part may come with its own class list (a text folder holding only some
            // classes): its labels are re-read by name against the training classes.
            do {
                train = try train.relabeled(to: classes)
                test = try test!.relabeled(to: classes)
            } catch {
                throw mismatch(
                    data.node, "\(error)",
                    hint: fixed == nil
                        ? "every test class must also be a training class" : "the bundle was trained on \(classes)")
            }
            if encoding == .binaryColumn && classes.count != 2 {
                throw mismatch(
                    loss.node,
                    "\(loss.name) needs 2 classes but the data has \(classes.count) (\(classes.joined(separator: ", ")))",
                    hint: "use sparse_categorical_crossentropy with a softmax over \(classes.count) units")
            }
            // A label-aware ranking sees only the rows that train, not the validation rows (the last ones).
            let fitted =
                text.ranking.needsLabels
                ? train.subset(
                    Array(0..<(train.count - FitOptions.validationCount(of: train.count, split: split.validation))))
                : train
            let pipeline: TextPipeline
            if let fixedPipeline = fixed?.pipeline {
                pipeline = fixedPipeline
            } else {
                do {
                    pipeline = try TextPipeline.fit(
                        texts: fitted.texts, labels: fitted.labels, ranking: text.ranking, cleaner: text.cleaner,
                        tokenizer: text.tokenizer, maxTokens: text.maxTokens, minCount: text.minCount,
                        sequenceLength: text.sequenceLength, padding: text.padding, truncating: text.truncating)
                } catch { throw mismatch(text.node["vocabulary_ranking"] ?? text.node, "\(error)") }
            }
            let (xTrain, xTest) = try text.atSequenceLength(self) {
                (try pipeline.encode(train.texts).ids, try pipeline.encode(test!.texts).ids)
            }
            return PreparedData(
                xTrain: xTrain, yTrain: try encoding.encode(train.labels, classes: classes.count, shape: [train.count]),
                xTest: xTest, yTest: try encoding.encode(test!.labels, classes: classes.count, shape: [test!.count]),
                inputShape: [text.sequenceLength], classNames: classes, pipeline: pipeline,
                vocabularySize: pipeline.vocabulary.count,
                tokenCounts: pipeline.tokenCounts(train.texts), perStep: false, form: .texts)

        case .numeric(let train0, _):
            let labels = train0.y.scalars
            if let bad = labels.firstIndex(where: { !$0.isFinite }) {
                throw mismatch(
                    data.node, "label of example \(bad + 1) is \(labels[bad]); labels must be finite numbers")
            }
            let found = Array(Set(labels)).sorted().map(PreparedData.className(ofLabel:))
            let names = fixed?.classes ?? found
            let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            let ids = try labels.map { v in
                guard let i = index[PreparedData.className(ofLabel: v)] else {
                    throw mismatch(
                        data.node,
                        "label \(PreparedData.className(ofLabel: v)) is not one of the model's classes \(names)")
                }
                return i
            }
            let parts = try Split.indices(count: labels.count, fractions: [1 - split.test, split.test], seed: seed)
            if encoding == .binaryColumn && names.count != 2 {
                throw mismatch(loss.node, "\(loss.name) needs 2 classes but the data has \(names.count)")
            }
            return PreparedData(
                xTrain: try train0.x.rows(parts[0]),
                yTrain: try encoding.encode(parts[0].map { ids[$0] }, classes: names.count, shape: [parts[0].count]),
                xTest: try train0.x.rows(parts[1]),
                yTest: try encoding.encode(parts[1].map { ids[$0] }, classes: names.count, shape: [parts[1].count]),
                inputShape: [train0.x.shape[1]], classNames: names, pipeline: nil, vocabularySize: nil, perStep: false,
                form: .numeric)

        case .characters(let corpus):
            guard let windows else { throw mismatch(data.node, "character data needs a 'windows' section") }
            var corpus = corpus
            if let alphabet = fixed?.classes {
                let text = String(corpus.ids.map { corpus.characters[$0] })
                do { corpus = try CharacterCorpus(text: text, characters: alphabet.map { Character($0) }) } catch {
                    throw mismatch(
                        data.node, "\(error)".replacingOccurrences(of: "corpus alphabet", with: "model's alphabet"))
                }
            }
            let (x, y) = try corpus.windows(length: windows.length, stride: windows.stride, limit: windows.limit)
            let n = x.shape[0]
            let parts =
                n >= 5
                ? try Split.indices(count: n, fractions: [1 - split.test, split.test], seed: seed)
                : [Array(0..<n), Array(0..<n)]
            let V = corpus.characters.count
            func targets(_ idx: [Int]) throws -> Tensor {
                let t = try y.rows(idx)
                return encoding == .oneHot ? try Tensor.oneHot(t, depth: V) : t
            }
            return PreparedData(
                xTrain: try x.rows(parts[0]), yTrain: try targets(parts[0]), xTest: try x.rows(parts[1]),
                yTest: try targets(parts[1]),
                inputShape: [windows.length], classNames: corpus.characters.map(String.init), pipeline: nil,
                vocabularySize: V, perStep: true, form: .characters)

        case .tagged(let sentences):
            guard let text else {
                throw mismatch(data.node, "tagging data needs a 'text' section (sequence_length, padding)")
            }
            guard !text.ranking.needsLabels else {
                throw mismatch(
                    text.node["vocabulary_ranking"] ?? text.node,
                    "vocabulary_ranking '\(text.ranking.rawValue)' ranks tokens by one class per text, but tagging data has a tag per token",
                    hint: "use vocabulary_ranking: frequency")
            }
            let all = sentences.sentences
            let parts = try Split.indices(count: all.count, fractions: [1 - split.test, split.test], seed: seed)
            let tags = Array(Set(all.flatMap { $0.map(\.tag) })).sorted()
            if tags.contains(PreparedData.paddingTag) {
                throw mismatch(
                    data.node,
                    "the tag '\(PreparedData.paddingTag)' is reserved for padding; rename it in the tagging file")
            }
            let tagNames = fixed?.classes ?? [PreparedData.paddingTag] + tags
            let tagIndex = Dictionary(tagNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            if let unknown = tags.first(where: { tagIndex[$0] == nil }) {
                throw mismatch(data.node, "tag '\(unknown)' is not one of the model's tags \(tagNames)")
            }
            let clean = { (t: String) in text.cleaner(t) }
            let vocab =
                fixed?.pipeline?.vocabulary
                ?? Vocabulary.build(
                    from: parts[0].map { all[$0].map { clean($0.token) } }, maxTokens: text.maxTokens,
                    minCount: text.minCount)
            let pipeline = TextPipeline(
                cleaner: text.cleaner, tokenizer: .words, vocabulary: vocab, sequenceLength: text.sequenceLength,
                padding: .post, truncating: .post)
            func encode(_ idx: [Int]) throws -> (Tensor, Tensor) {
                let ids = try Padding.pad(
                    idx.map { i in all[i].map { vocab.id(clean($0.token)) } }, length: text.sequenceLength,
                    padding: .post, truncating: .post
                ).ids
                let t = try Padding.pad(
                    idx.map { i in all[i].map { tagIndex[$0.tag]! } }, length: text.sequenceLength, padding: .post,
                    truncating: .post
                ).ids
                return (ids, encoding == .oneHot ? try Tensor.oneHot(t, depth: tagNames.count) : t)
            }
            let ((xa, ya), (xb, yb)) = try text.atSequenceLength(self) { (try encode(parts[0]), try encode(parts[1])) }
            return PreparedData(
                xTrain: xa, yTrain: ya, xTest: xb, yTest: yb, inputShape: [text.sequenceLength], classNames: tagNames,
                pipeline: pipeline, vocabularySize: vocab.count, perStep: true, form: .tagged)
        }
    }
}

extension TextSpec {
    /// Runs the padding step; its errors (a length the machine cannot hold) point at `sequence_length`.
    func atSequenceLength<T>(_ spec: Spec, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw spec.mismatch(node["sequence_length"] ?? node, "\(error)") }
    }
}
