import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `character_model`: predict the next character at every step (one-to-many generation, the
/// notes' character model sampled with a temperature).
///
/// Data: a source of form `characters` (`characters`: one plain text). The `windows:` section
/// cuts it into windows of `length` characters every `stride`: input `[batch, length]` ids into
/// the alphabet, targets the window shifted by one (`[batch, length]` indices, or one-hot). The
/// alphabet is the text's characters in sorted order. `generate` samples from a bundle.
public struct CharacterModelTask: LearningTask, PluginConfig {
    public init() {}
    public func reads(_ form: DataForm) -> Bool { form == .characters }
    public func isDefault(for form: DataForm) -> Bool { form == .characters }
    public var perStep: Bool { true }
    public func inputShape(_ s: TaskSections) throws -> [Int] {
        guard let w = s.windows else { throw TaskError("character data needs a 'windows' section (length, stride)") }
        return [w.length]
    }

    public func checkClasses(_ classes: [String], outputs: Int) -> String? {
        if let i = classes.firstIndex(where: { $0.count != 1 }) {
            return "entry \(i), '\(classes[i])', is not one character (a character model's alphabet)"
        }
        return classes.count < outputs ? "\(classes.count) characters for a model with \(outputs) outputs" : nil
    }

    public func prepare(_ loaded: LoadedData, spec: Spec, fixed: FixedEncoding?) throws -> PreparedData {
        guard case .characters(var corpus) = loaded else { throw spec.wrongForm(loaded, self) }
        guard let windows = spec.windows else {
            throw spec.mismatch(spec.data.node, "character data needs a 'windows' section")
        }
        let encoding = TargetEncoding.forLoss(fixed?.loss ?? spec.loss.made as? any Loss)
        if let alphabet = fixed?.classes {
            let text = String(corpus.ids.map { corpus.characters[$0] })
            do { corpus = try CharacterCorpus(text: text, characters: alphabet.map { Character($0) }) } catch {
                throw spec.mismatch(
                    spec.data.node, "\(error)".replacingOccurrences(of: "corpus alphabet", with: "model's alphabet"))
            }
        }
        let windowsNode = spec.root["windows"] ?? spec.data.node
        let (x, y): (Tensor, Tensor)
        do {
            (x, y) = try corpus.windows(length: windows.length, stride: windows.stride, limit: windows.limit)
        } catch { throw spec.mismatch(windowsNode["length"] ?? windowsNode, "\(error)") }
        let n = x.shape[0]
        let parts =
            n >= 5
            ? try Split.indices(count: n, fractions: [1 - spec.split.test, spec.split.test], seed: spec.splitSeed)
            : [Array(0..<n), Array(0..<n)]
        let alphabetSize = corpus.characters.count
        func targets(_ idx: [Int]) throws -> Tensor {
            let t = try y.rows(idx)
            return encoding == .oneHot ? try Tensor.oneHot(t, depth: alphabetSize) : t
        }
        return PreparedData(
            xTrain: try x.rows(parts[0]), yTrain: try targets(parts[0]), xTest: try x.rows(parts[1]),
            yTest: try targets(parts[1]),
            inputShape: [windows.length], classNames: corpus.characters.map(String.init), pipeline: nil,
            vocabularySize: alphabetSize, perStep: true, form: .characters)
    }

    public func predict(_ b: ModelBundle, lines: [String], registry: Registry) throws -> [Runner.Prediction] {
        throw CheckpointError.format(
            path: b.directory.path,
            message:
                "predict classifies or tags; a character model samples text: unroll generate \(b.directory.lastPathComponent) --prime TEXT"
        )
    }

    public func traceInput(_ input: String, symbols: [String], pipeline: TextPipeline?) throws -> (
        ids: [Int], shown: [String]
    ) {
        (try Self.ids(input, alphabet: symbols, what: "'\\(c)' is not in the model's alphabet"), input.map(String.init))
    }

    static func ids(_ text: String, alphabet: [String], what: String) throws -> [Int] {
        let index = Dictionary(alphabet.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return try text.map { c in
            guard let i = index[String(c)] else {
                throw TaskError(what.replacingOccurrences(of: "\\(c)", with: String(c)))
            }
            return i
        }
    }

    /// Samples `length` characters after `prime`, with a temperature (`p_i ∝ exp(log p_i / T)`:
    /// below 1 sharper, above 1 more random) and a seed; the model reads the last window of ids.
    public func generate(_ b: ModelBundle, prime: String, length: Int, temperature: Double, seed: UInt64) throws
        -> String
    {
        let alphabet = b.description.classes.map { Character($0) }
        var ids = try Self.ids(
            prime, alphabet: b.description.classes,
            what: "the prime contains '\\(c)', which is not in the model's alphabet")
        guard !ids.isEmpty else { throw TrainingError.invalid("the prime text must not be empty") }
        let window = b.model.inputShape[0]
        let logits = (b.description.lossConfig.foundationObject as? [String: Any])?["from_logits"] as? Bool ?? false
        var rng = SeededGenerator(seed: seed)
        var out = prime
        for _ in 0..<length {
            let context = Array(ids.suffix(window))
            let x = try Tensor(shape: [1, context.count], scalars: context.map(Float.init))
            let y = try withNoGrad { () -> Tensor in
                var ctx = ForwardContext(training: false)
                return try b.model.forward(x, context: &ctx, checkInputShape: false)
            }
            let last = try y.slice(axis: 1, start: context.count - 1, length: 1).scalars
            let logp = logits ? try Tensor(last).logSoftmax().scalars : last.map { Foundation.log(max($0, 1e-12)) }
            if temperature == 0 {  // greedy: the most likely character (the first of equals)
                let pick = logp.indices.max { logp[$0] < logp[$1] || (logp[$0] == logp[$1] && $0 > $1) }!
                ids.append(pick)
                out.append(alphabet[pick])
                continue
            }
            let scaled = logp.map { Double($0) / temperature }
            let m = scaled.max()!
            let w = scaled.map { Foundation.exp($0 - m) }
            var r = Double(rng.nextUnitFloat()) * w.reduce(0, +)
            var pick = w.count - 1
            for (i, v) in w.enumerated() {
                r -= v
                if r <= 0 {
                    pick = i
                    break
                }
            }
            ids.append(pick)
            out.append(alphabet[pick])
        }
        return out
    }
}
