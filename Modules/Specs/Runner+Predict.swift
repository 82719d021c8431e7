import Foundation
import PluginRegistry
import Tensors
import Layers
import Optimizers
import Training
import TextPipeline
import Datasets

/// `unroll predict`.
extension Runner {
    /// One prediction: the label and the probability of each class.
    public struct Prediction: Codable {
        public var text: String
        public var label: String
        public var probabilities: [String: Double]
    }

    /// Classifies texts with a text bundle.
    public func predict(bundle dir: URL, texts: [String]) throws -> [Prediction] {
        let b = try ModelBundle.load(dir, registry: registry)
        guard let p = b.pipeline, b.description.form == "texts" else {
            throw CheckpointError.format(path: dir.path, message: "predict needs a text-classification bundle (this one is \(b.description.form))")
        }
        guard !texts.isEmpty else { return [] }
        let out = try b.model.predict(try p.encode(texts).ids)
        let logits = (b.description.lossConfig.foundationObject as? [String: Any])?["from_logits"] as? Bool ?? false
        let classes = b.description.classes
        return try texts.enumerated().map { i, t in
            let row = try out.index(i)
            var probs: [Double]
            if row.count == 1 {
                let v = row.scalars[0]
                let p1 = Double(logits ? FastMath.sigmoid(v) : v)
                probs = [1 - p1, p1]
            } else {
                probs = (logits ? try row.softmax() : row).scalars.map(Double.init)
            }
            let best = probs.indices.max { probs[$0] < probs[$1] }!
            return Prediction(text: t, label: classes[best], probabilities: Dictionary(uniqueKeysWithValues: zip(classes, probs)))
        }
    }
}
