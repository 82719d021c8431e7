import Datasets
import Foundation
import Layers
import PluginRegistry
import Specs
import Tensors
import TextPipeline
import Training

/// A plugin task: texts labelled with a number (a review's star rating, a sentence's
/// readability) → that number. Registered as `acme.text_score`; a spec says `task: acme.text_score`
/// with any source of texts (`delimited`), a `text:` section, a model ending in `Dense(1)` and a
/// loss that reads values (`mse`).
///
/// Input `[batch, sequence_length]` ids through the spec's text pipeline (fitted on the training
/// rows); targets `[batch, 1]`, the labels read as numbers. `predict` prints the score.
public struct TextScore: LearningTask, PluginConfig {
    public init() {}
    public func reads(_ form: DataForm) -> Bool { form == .texts }
    public var perStep: Bool { false }
    public var defaultMetrics: [String] { ["mae", "acme.within_half"] }
    public func inputShape(_ s: TaskSections) throws -> [Int] {
        [try requireText(s, "acme.text_score").sequenceLength]
    }
    public func outputWidth(for data: PreparedData, loss: (any Loss)?) -> Int { 1 }
    public func reading(loss: any Loss, outputShape: [Int]) -> TaskKind { .regression }
    public func checkClasses(_ classes: [String], outputs: Int) -> String? {
        outputs == 1 ? nil : "a score model has one output, this one \(outputs)"
    }
    public func describe(_ data: PreparedData) -> String {
        "data: \(data.xTrain.shape[0]) training and \(data.xTest.shape[0]) test texts, one score each"
    }

    public func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData {
        guard case .texts(let all, let given) = loaded else { throw spec.wrongForm(loaded, self) }
        guard let text = spec.text else {
            throw spec.mismatch(spec.data.node, "acme.text_score needs a 'text' section")
        }
        // Scores as written; a label that is not a number is the data's error.
        func scores(_ set: LabeledTextSet) throws -> [Float] {
            try set.labels.map { l in
                guard let v = Float(set.classNames[l]), v.isFinite else {
                    throw spec.mismatch(spec.data.node, "label '\(set.classNames[l])' is not a number")
                }
                return v
            }
        }
        var (train, test) = (all, given ?? all)
        if given == nil {
            let parts = try Split.indices(
                count: all.count, fractions: [1 - spec.split.test, spec.split.test], seed: spec.seed)
            (train, test) = (all.subset(parts[0]), all.subset(parts[1]))
        }
        let pipeline =
            try fixed?.pipeline
            ?? TextPipeline.fit(
                texts: train.texts, labels: train.labels, ranking: text.ranking, cleaner: text.cleaner,
                tokenizer: text.tokenizer, maxTokens: text.maxTokens, minCount: text.minCount,
                sequenceLength: text.sequenceLength, padding: text.padding, truncating: text.truncating)
        func column(_ v: [Float]) throws -> Tensor { try Tensor(shape: [v.count, 1], scalars: v) }
        return PreparedData(
            xTrain: try pipeline.encode(train.texts).ids, yTrain: try column(try scores(train)),
            xTest: try pipeline.encode(test.texts).ids, yTest: try column(try scores(test)),
            inputShape: [text.sequenceLength], classNames: ["score"], pipeline: pipeline,
            vocabularySize: pipeline.vocabulary.count, tokenCounts: pipeline.tokenCounts(train.texts), perStep: false,
            form: .texts)
    }

    public func predict(_ b: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction] {
        guard let p = b.pipeline else { throw TaskError("a text_score bundle needs pipeline.json") }
        let out = try b.model.predict(try p.encode(lines).ids)
        return lines.indices.map { i in
            let v = Double(out.scalars[i])
            return Runner.Prediction(text: lines[i], label: String(format: "%.3f", v), probabilities: [:], value: v)
        }
    }

    public func traceInput(_ input: String, symbols: [String], pipeline: TextPipeline?) throws -> (
        ids: [Int], shown: [String]
    ) {
        guard let p = pipeline else { throw TaskError("this model has no text pipeline") }
        let shown = p.tokens(input)
        return (p.vocabulary.encode(shown), shown)
    }

    static let entry = PluginEntry.configured(
        .task, "acme.text_score", summary: "texts labelled with a number → that number", config: TextScore.self
    ) { c, _ in c as any LearningTask }
}
