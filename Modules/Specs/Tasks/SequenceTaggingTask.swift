import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `sequence_tagging`: a tag for every token (many-to-many, the notes' part-of-speech tagging).
///
/// Data: a source of form `tagged` (`tagging`: `token<TAB>tag` lines). Sentences are padded
/// after their end to `sequence_length`: input `[batch, sequence_length]` ids, targets a tag per
/// step (`[batch, time]` indices or `[batch, time, tags]` one-hot). Tag 0 is `<pad>`, so the
/// first layer must produce a padding mask (Embedding with `mask_zero: true`), and padded steps
/// count in neither the loss nor the metrics. `predict` prints `token/TAG` pairs.
public struct SequenceTaggingTask: LearningTask, PluginConfig {
    public init() {}
    public func reads(_ form: DataForm) -> Bool { form == .tagged }
    public func isDefault(for form: DataForm) -> Bool { form == .tagged }
    public var perStep: Bool { true }
    public func inputShape(_ s: TaskSections) throws -> [Int] {
        [try requireText(s, "tagging data").sequenceLength]
    }

    public func check(_ model: Model, spec: Spec, data: PreparedData) throws {
        guard !(model.layers.first?.producesMask ?? false) else { return }
        throw spec.mismatch(
            spec.layers[0].node, "tagging data is padded to sequence_length; padded steps would count in the loss",
            hint: "make the first layer Embedding with mask_zero: true")
    }

    public func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData {
        guard case .tagged(let sentences) = loaded else { throw spec.wrongForm(loaded, self) }
        guard let text = spec.text else {
            throw spec.mismatch(spec.data.node, "tagging data needs a 'text' section (sequence_length, padding)")
        }
        guard !text.ranking.needsLabels else {
            throw spec.mismatch(
                text.node["vocabulary_ranking"] ?? text.node,
                "vocabulary_ranking '\(text.ranking.rawValue)' ranks tokens by one class per text, but tagging data has a tag per token",
                hint: "use vocabulary_ranking: frequency")
        }
        let encoding = TargetEncoding.forLoss(fixed?.loss ?? spec.loss.made as? any Loss)
        let all = sentences.sentences
        let parts = try Split.indices(
            count: all.count, fractions: [1 - spec.split.test, spec.split.test], seed: spec.splitSeed)
        let tags = Array(Set(all.flatMap { $0.map(\.tag) })).sorted()
        if tags.contains(PreparedData.paddingTag) {
            throw spec.mismatch(
                spec.data.node,
                "the tag '\(PreparedData.paddingTag)' is reserved for padding; rename it in the tagging file")
        }
        let tagNames = fixed?.classes ?? [PreparedData.paddingTag] + tags
        let tagIndex = Dictionary(tagNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        if let unknown = tags.first(where: { tagIndex[$0] == nil }) {
            throw spec.mismatch(spec.data.node, "tag '\(unknown)' is not one of the model's tags \(tagNames)")
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
        let ((xa, ya), (xb, yb)) = try text.atSequenceLength(spec) { (try encode(parts[0]), try encode(parts[1])) }
        return PreparedData(
            xTrain: xa, yTrain: ya, xTest: xb, yTest: yb, inputShape: [text.sequenceLength], classNames: tagNames,
            pipeline: pipeline, vocabularySize: vocab.count, perStep: true, form: .tagged)
    }

    /// Each token's tag (padding steps are not read; a text longer than the sequence length is
    /// tagged up to it); the padding tag is never a token's.
    public func predict(_ b: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction] {
        guard let p = b.pipeline else {
            throw CheckpointError.format(path: b.directory.path, message: "a tagger's bundle needs pipeline.json")
        }
        let loss = try b.loss(registry: registry)
        let tokens = lines.map { p.tokens($0) }
        let ids = try Padding.pad(
            tokens.map { p.vocabulary.encode($0) }, length: p.sequenceLength, padding: .post, truncating: .post
        ).ids
        let out = try b.model.predict(ids)
        return try lines.enumerated().map { i, t in
            let steps = try out.index(i)
            let tagged = try tokens[i].prefix(p.sequenceLength).enumerated().map { k, token -> Runner.TaggedToken in
                var probs = try probabilities(try steps.index(k), loss: loss)
                probs[0] = -1  // the padding tag is never a token's
                let best = probs.indices.max { probs[$0] < probs[$1] }!
                return Runner.TaggedToken(token: token, tag: b.description.classes[best], probability: probs[best])
            }
            return Runner.Prediction(
                text: t, label: tagged.map { "\($0.token)/\($0.tag)" }.joined(separator: " "), probabilities: [:],
                tokens: tagged)
        }
    }

    public func traceInput(_ input: String, symbols: [String], pipeline: TextPipeline?) throws -> (
        ids: [Int], shown: [String]
    ) {
        try TextClassificationTask.tokenIDs(input, pipeline: pipeline)
    }
}
