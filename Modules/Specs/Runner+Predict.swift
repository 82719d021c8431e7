import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `unroll predict`.
extension Runner {
    /// One prediction: the label and the probability of each class; for a tagger, each token's tag.
    public struct Prediction: Codable {
        /// The input line as given.
        public var text: String
        /// The class (a text or numeric classifier), or the tagged tokens as `token/TAG …`.
        public var label: String
        /// Each class's probability (classifiers; empty for a tagger).
        public var probabilities: [String: Double]
        /// A tagger's tokens with their tags and the tags' probabilities.
        public var tokens: [TaggedToken]? = nil
        /// A regression's predicted value; a decoded sequence's log-probability.
        public var value: Double? = nil
        /// A sequence-to-sequence model's best candidates (`n_best`), best first.
        public var candidates: [Candidate]? = nil
        /// What the model could not read as given, e.g. a source longer than its `source_length`
        /// ("30 source tokens; the model reads 20 (source_length): decoded the first 20").
        public var note: String? = nil

        public init(
            text: String, label: String, probabilities: [String: Double], tokens: [TaggedToken]? = nil,
            value: Double? = nil
        ) {
            (self.text, self.label, self.probabilities, self.tokens, self.value) = (
                text, label, probabilities, tokens, value
            )
        }
    }

    /// A decoded candidate and its log-probability.
    public struct Candidate: Codable, Equatable {
        public var text: String
        public var logProbability: Double
        public init(text: String, logProbability: Double) { (self.text, self.logProbability) = (text, logProbability) }
    }

    /// A token and its predicted tag.
    public struct TaggedToken: Codable, Equatable {
        public var token: String
        public var tag: String
        public var probability: Double
        public init(token: String, tag: String, probability: Double) {
            (self.token, self.tag, self.probability) = (token, tag, probability)
        }
    }

    /// Predicts one result per input line with a bundle, as its task reads lines: a text
    /// classifier's class, a tagger's tag per token, a numeric model's class or value from
    /// comma-separated features (transformed as the training data was, e.g. scaled). An empty
    /// line gives an empty result, so the results stay in step with the lines. Character models
    /// sample with `generate` instead.
    public func predict(bundle dir: URL, texts lines: [String]) throws -> [Prediction] {
        guard !lines.isEmpty else { return [] }
        let b = try loadBundle(dir)
        let keep = lines.indices.filter { !lines[$0].trimmingCharacters(in: .whitespaces).isEmpty }
        var out = lines.map { Prediction(text: $0, label: "", probabilities: [:]) }
        if !keep.isEmpty {
            for (k, p) in try predict(b, texts: keep.map { lines[$0] }, at: dir).enumerated() { out[keep[k]] = p }
        }
        return out
    }

    /// `predict` on the non-empty lines, with the bundle loaded: the bundle's task reads them.
    func predict(_ b: ModelBundle, texts: [String], at dir: URL) throws -> [Prediction] {
        try b.task.predict(b, ensemble: try ensembleModels(with: b, at: dir), lines: texts, registry: registry)
    }
}
