import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `text_classification`: labelled texts → one class per text (the notes' sentiment analysis).
///
/// Data: a source of form `texts` (`delimited`, `text_directory`). The `text:` section's pipeline
/// (clean, tokenize, vocabulary, pad) is fitted on the training rows and turns each text into
/// `sequence_length` ids, input `[batch, sequence_length]`. Targets: one class per text, encoded
/// as the loss reads them (`[batch]` indices, `[batch, classes]` one-hot, `[batch, 1]` for a
/// binary loss). `predict` prints the class and each class's probability.
public struct TextClassificationTask: LearningTask, PluginConfig {
    public init() {}
    public func reads(_ form: DataForm) -> Bool { form == .texts }
    public func isDefault(for form: DataForm) -> Bool { form == .texts }
    public var perStep: Bool { false }
    public func inputShape(_ s: TaskSections) throws -> [Int] {
        [try requireText(s, "text classification").sequenceLength]
    }

    public func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData {
        guard case .texts(let train0, let test0) = loaded else { throw spec.wrongForm(loaded, self) }
        guard let text = spec.text else { throw spec.mismatch(spec.data.node, "text data needs a 'text' section") }
        let encoding = TargetEncoding.forLoss(fixed?.loss ?? spec.loss.made as? any Loss)
        var (train, test) = (train0, test0)
        if test == nil {
            let parts = try Split.indices(
                count: train0.count, fractions: [1 - spec.split.test, spec.split.test], seed: spec.splitSeed)
            (train, test) = (train0.subset(parts[0]), train0.subset(parts[1]))
        } else {
            // Files are often sorted (by label, say); the validation split takes the last rows,
            // so put the training rows in a seeded random order first.
            train = train0.subset(try Split.indices(count: train0.count, fractions: [1], seed: spec.splitSeed)[0])
        }
        let classes = fixed?.classes ?? train.classNames
        // The test part may come with its own class list (a text folder holding only some
        // classes): its labels are re-read by name against the training classes.
        do {
            train = try train.relabeled(to: classes)
            test = try test!.relabeled(to: classes)
        } catch {
            throw spec.mismatch(
                spec.data.node, "\(error)",
                hint: fixed == nil
                    ? "every test class must also be a training class" : "the bundle was trained on \(classes)")
        }
        try spec.checkBinary(encoding, classes: classes)
        // A label-aware ranking sees only the rows that train, not the validation rows (the last ones).
        let fitted =
            text.ranking.needsLabels
            ? train.subset(
                Array(0..<(train.count - FitOptions.validationCount(of: train.count, split: spec.split.validation))))
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
            } catch { throw spec.mismatch(text.node["vocabulary_ranking"] ?? text.node, "\(error)") }
        }
        let (xTrain, xTest) = try text.atSequenceLength(spec) {
            (try pipeline.encode(train.texts).ids, try pipeline.encode(test!.texts).ids)
        }
        return PreparedData(
            xTrain: xTrain, yTrain: try encoding.encode(train.labels, classes: classes.count, shape: [train.count]),
            xTest: xTest, yTest: try encoding.encode(test!.labels, classes: classes.count, shape: [test!.count]),
            inputShape: [text.sequenceLength], classNames: classes, pipeline: pipeline,
            vocabularySize: pipeline.vocabulary.count,
            tokenCounts: pipeline.tokenCounts(train.texts), perStep: false, form: .texts)
    }

    public func predict(_ b: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction] {
        guard let p = b.pipeline else {
            throw CheckpointError.format(
                path: b.directory.path, message: "a text classifier's bundle needs pipeline.json")
        }
        return try classify(
            try b.model.predict(try p.encode(lines).ids), lines: lines, classes: b.description.classes,
            loss: try b.loss(registry: registry))
    }

    public func traceInput(_ input: String, symbols: [String], pipeline: TextPipeline?) throws -> (
        ids: [Int], shown: [String]
    ) {
        try Self.tokenIDs(input, pipeline: pipeline)
    }

    /// A typed text's tokens and their ids through the bundle's pipeline (no padding).
    static func tokenIDs(_ input: String, pipeline: TextPipeline?) throws -> (ids: [Int], shown: [String]) {
        guard let p = pipeline else { throw TaskError("this model has no text pipeline") }
        let shown = p.tokens(input)
        return (p.vocabulary.encode(shown), shown)
    }
}
