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
    }

    /// A token and its predicted tag.
    public struct TaggedToken: Codable, Equatable {
        public var token: String
        public var tag: String
        public var probability: Double
    }

    /// Predicts one result per input line with a bundle: a text classifier's class, a tagger's
    /// tag per token (padding steps are not read; a text longer than the sequence length is tagged
    /// up to it), or a numeric classifier's class from comma-separated features (transformed as
    /// the training data was, e.g. scaled). An empty line gives an empty result, so the results
    /// stay in step with the lines. Character models sample with `generate` instead.
    public func predict(bundle dir: URL, texts lines: [String]) throws -> [Prediction] {
        guard !lines.isEmpty else { return [] }
        let b = try ModelBundle.load(dir, registry: registry)
        let keep = lines.indices.filter { !lines[$0].trimmingCharacters(in: .whitespaces).isEmpty }
        var out = lines.map { Prediction(text: $0, label: "", probabilities: [:]) }
        if !keep.isEmpty {
            for (k, p) in try predict(b, texts: keep.map { lines[$0] }).enumerated() { out[keep[k]] = p }
        }
        return out
    }

    /// `predict` on the non-empty lines, with the bundle loaded.
    func predict(_ b: ModelBundle, texts: [String]) throws -> [Prediction] {
        let dir = b.directory
        let d = b.description
        let loss = try b.loss(registry: registry)
        guard let form = DataForm(rawValue: d.form) else {
            throw CheckpointError.format(
                path: dir.appendingPathComponent("model.json").path,
                message: "field 'form': unknown data form '\(d.form)'")
        }
        func probabilities(_ row: Tensor) throws -> [Double] {
            if row.count == 1 {
                let p1 = Double(loss.takesLogits ? FastMath.sigmoid(row.scalars[0]) : row.scalars[0])
                return [1 - p1, p1]
            }
            return (loss.takesLogits ? try row.softmax() : row).scalars.map(Double.init)
        }
        func classify(_ out: Tensor) throws -> [Prediction] {
            try texts.enumerated().map { i, t in
                let probs = try probabilities(try out.index(i))
                let best = probs.indices.max { probs[$0] < probs[$1] }!
                return Prediction(
                    text: t, label: d.classes[best],
                    probabilities: Dictionary(uniqueKeysWithValues: zip(d.classes, probs)))
            }
        }
        switch form {
        case .texts:
            guard let p = b.pipeline else {
                throw CheckpointError.format(path: dir.path, message: "a text classifier's bundle needs pipeline.json")
            }
            return try classify(try b.model.predict(try p.encode(texts).ids))
        case .numeric:
            let source = try d.source.flatMap { s -> (any DatasetSource)? in
                guard var obj = s.foundationObject as? [String: Any],
                    let name = obj.removeValue(forKey: "source") as? String
                else { return nil }
                return try registry.make(.datasetSource, name, config: obj, as: (any DatasetSource).self)
            }
            let width = b.model.inputShape.reduce(1, *)
            let rows = try texts.enumerated().map { i, line -> [Float] in
                guard let source, let f = try source.features(fromLine: line) else {
                    throw CheckpointError.format(
                        path: dir.path,
                        message:
                            "this bundle does not say how to read a line of features (model.json has no numeric 'source'); retrain it"
                    )
                }
                guard f.count == width else {
                    throw TrainingError.invalid(
                        "line \(i + 1): the model takes \(width) features, the line has \(f.count)")
                }
                return f
            }
            return try classify(
                try b.model.predict(try Tensor(shape: [texts.count] + b.model.inputShape, scalars: rows.flatMap { $0 }))
            )
        case .tagged:
            guard let p = b.pipeline else {
                throw CheckpointError.format(path: dir.path, message: "a tagger's bundle needs pipeline.json")
            }
            let tokens = texts.map { p.tokens($0) }
            let ids = try Padding.pad(
                tokens.map { p.vocabulary.encode($0) }, length: p.sequenceLength, padding: .post, truncating: .post
            ).ids
            let out = try b.model.predict(ids)
            return try texts.enumerated().map { i, t in
                let steps = try out.index(i)
                let tagged = try tokens[i].prefix(p.sequenceLength).enumerated().map { k, token -> TaggedToken in
                    var probs = try probabilities(try steps.index(k))
                    probs[0] = -1  // the padding tag is never a token's
                    let best = probs.indices.max { probs[$0] < probs[$1] }!
                    return TaggedToken(token: token, tag: d.classes[best], probability: probs[best])
                }
                return Prediction(
                    text: t, label: tagged.map { "\($0.token)/\($0.tag)" }.joined(separator: " "), probabilities: [:],
                    tokens: tagged)
            }
        case .characters:
            throw CheckpointError.format(
                path: dir.path,
                message:
                    "predict classifies or tags; a character model samples text: unroll generate \(dir.lastPathComponent) --prime TEXT"
            )
        }
    }
}
