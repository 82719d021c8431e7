import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// Decoding: beam search (greedy at width 1), step by step when the decoder can step.
extension SequenceToSequenceTask {
    /// A decoded target: token ids (without `<start>`/`<end>`) and its score, the sum of the
    /// tokens' log-probabilities (the `<end>` included when it ended).
    public struct Candidate {
        public var tokens: [Int]
        public var logProbability: Double
        public var finished: Bool
        /// The row of the decoding step that produced this candidate (its decoder states).
        var row = 0
        /// The score candidates are ranked by: `log p / len^α` (len counts `<end>` once finished).
        public func rank(_ alpha: Double) -> Double {
            alpha == 0
                ? logProbability
                : logProbability / Foundation.pow(Double(max(1, tokens.count + (finished ? 1 : 0))), alpha)
        }
    }

    /// Decodes step by step (`ModelStepper`: the encoder once, then one decoder step per token)
    /// when every decoder layer can step; off, or for a model that cannot, each step re-runs the
    /// whole model on every candidate's prefix. The two agree to float rounding.
    nonisolated(unsafe) public static var stepwiseDecoding = true

    /// Beam search over `sources` (token ids, fitted to the source length), up to 256 sources at
    /// once: each step scores every live candidate's next token (its `target_in` is `<start>` and
    /// its tokens so far) and keeps the `beamWidth` best extensions per source by summed
    /// log-probability (padding, `[UNK]` and `<start>` are never chosen); a candidate ends at
    /// `<end>` or the target length. Finished candidates rank by `log p / len^lengthPenalty`.
    /// Width 1 is greedy decoding. Returns each source's candidates, best first.
    public func beamSearch(_ model: Model, sources: [[Int]]) throws -> [[Candidate]] {
        try beamSearch([model], sources: sources)
    }

    /// Beam search with an ensemble: each step's next-token probability is the mean of the
    /// `models`' probabilities, `p(y_t) = (1/M) Σ_m p_m(y_t | y_<t, x)` (the models share the
    /// vocabulary and input parts: `Runner.ensemble` checks it). One model decodes as `beamSearch(_:sources:)`.
    ///
    ///     let best = try task.beamSearch([a.model, b.model], sources: [[12, 5, 9]])[0][0].tokens
    public func beamSearch(_ models: [Model], sources: [[Int]]) throws -> [[Candidate]] {
        guard let model = models.first, models.allSatisfy({ $0.inputParts.count == 2 }) else {
            throw TaskError("a sequence-to-sequence model has the input parts source and target_in")
        }
        guard models.allSatisfy({ $0.inputParts.map(\.shape) == model.inputParts.map(\.shape) }) else {
            throw TaskError("the models of an ensemble read different source or target lengths")
        }
        let chunk = 256
        if sources.count > chunk {
            return try Swift.stride(from: 0, to: sources.count, by: chunk).flatMap {
                try beamSearch(models, sources: Array(sources[$0..<min($0 + chunk, sources.count)]))
            }
        }
        let (ts, tl) = (model.inputParts[0].shape[0], model.inputParts[1].shape[0])
        let width = max(1, beamWidth)
        let start = try Tensor(
            shape: [sources.count, ts + tl],
            scalars: sources.flatMap { Self.packedRow(source: $0, tokens: [], sourceLength: ts, targetLength: tl) })
        let steppers = try models.map { m in
            let stepper = Self.stepwiseDecoding ? try? ModelStepper(m, part: m.inputParts[1].name) : nil
            try stepper?.start(start)
            return stepper
        }
        var beams = sources.map { _ in [Candidate(tokens: [], logProbability: 0, finished: false)] }
        for t in 0..<tl {
            let live = beams.indices.flatMap { r in beams[r].indices.filter { !beams[r][$0].finished }.map { (r, $0) } }
            guard !live.isEmpty else { break }
            let (scores, probabilities) = try Self.nextTokenScores(
                models, steppers: steppers, step: t, live: live.map { r, k in (r, beams[r][k]) }, sources: sources)
            let v = scores.count / live.count
            guard v > Self.endID else { throw TaskError("the model scores \(v) tokens, fewer than the specials") }
            var extensions = beams.map { $0.filter(\.finished) }
            scores.withUnsafeBufferPointer { sp in
                for (row, (r, k)) in live.enumerated() {
                    let c = beams[r][k]
                    let rowScores = UnsafeBufferPointer(rebasing: sp[row * v..<(row + 1) * v])
                    for (id, logp) in Self.bestTokens(rowScores, count: width, probabilities: probabilities) {
                        let ended = id == Self.endID
                        let tokens = ended ? c.tokens : c.tokens + [id]
                        extensions[r].append(
                            Candidate(
                                tokens: tokens, logProbability: c.logProbability + logp,
                                finished: ended || t + 1 == tl, row: row))
                    }
                }
            }
            for r in beams.indices where beams[r].contains(where: { !$0.finished }) {
                // Ranked by log p / len^α (live candidates share one length, so among them by log p).
                beams[r] = Array(
                    extensions[r].enumerated().sorted { a, b in
                        let (x, y) = (a.element.rank(lengthPenalty), b.element.rank(lengthPenalty))
                        return x > y || (x == y && a.offset < b.offset)
                    }.map(\.element).prefix(width))
            }
        }
        return beams.map { $0.sorted { $0.rank(lengthPenalty) > $1.rank(lengthPenalty) } }
    }

    /// Step `t`'s next-token scores for each live candidate (its source row and its tokens so
    /// far), `[live × tokens]` row by row: one model's outputs as they are (probabilities when
    /// its last layer is a softmax, else logits: the flag says which), or an ensemble's mean
    /// probabilities. A model with a stepper steps its decoder once; one without re-runs on the
    /// whole prefix.
    static func nextTokenScores(
        _ models: [Model], steppers: [ModelStepper?], step t: Int, live: [(row: Int, candidate: Candidate)],
        sources: [[Int]]
    ) throws -> (scores: [Float], probabilities: Bool) {
        var mean: [Float] = []
        for (model, stepper) in zip(models, steppers) {
            let (ts, tl) = (model.inputParts[0].shape[0], model.inputParts[1].shape[0])
            let y: Tensor
            let at: Int
            if let stepper {
                let last = live.map { Float($0.candidate.tokens.last ?? Self.startID) }
                y = try stepper.step(
                    try Tensor(shape: [live.count, 1], scalars: last), rows: live.map(\.row),
                    parents: t == 0 ? nil : live.map(\.candidate.row))
                at = 0
            } else {
                let x = live.flatMap {
                    Self.packedRow(
                        source: sources[$0.row], tokens: $0.candidate.tokens, sourceLength: ts, targetLength: tl)
                }
                y = try model.predict(try Tensor(shape: [live.count, ts + tl], scalars: x))
                at = t
            }
            guard y.shape.count == 3 else {
                throw TaskError("the model's output is \(y.shape), not [candidates, steps, tokens] scores")
            }
            let (steps, v) = (y.shape[1], y.shape[2])
            let probabilities = model.nodes.last?.layer.outputActivation == .softmax
            // An ensemble averages probabilities: a logit model's step `at` is softmaxed first (that
            // step alone, not every position a re-run returns).
            let (p, pSteps, pAt) =
                models.count == 1 || probabilities
                ? (y, steps, at) : (try y.slice(axis: 1, start: at, length: 1).softmax(), 1, 0)
            if mean.isEmpty { mean = [Float](repeating: 0, count: live.count * v) }
            guard mean.count == live.count * v else {
                throw TaskError("the models of an ensemble score different numbers of tokens")
            }
            let share: Float = models.count == 1 ? 1 : 1 / Float(models.count)
            p.withUnsafeBufferPointer { pp in
                for row in live.indices {
                    for i in 0..<v { mean[row * v + i] += pp[(row * pSteps + pAt) * v + i] * share }
                }
            }
            if models.count == 1 { return (mean, probabilities) }
        }
        return (mean, true)
    }

    /// The `count` likeliest tokens of one step's `scores` (`<end>` and up: padding, `[UNK]` and
    /// `<start>` are never chosen), best first (ties: the lower id, as greedy takes it), with their
    /// log-probabilities — `log p` for probabilities, `s − log Σ exp` for logits. One pass over
    /// the scores; logarithms only for the chosen.
    static func bestTokens(_ scores: UnsafeBufferPointer<Float>, count: Int, probabilities: Bool) -> [(Int, Double)] {
        var best: [(score: Float, id: Int)] = []
        best.reserveCapacity(count + 1)
        for id in endID..<scores.count {
            let s = probabilities ? max(scores[id], 1e-30) : scores[id]
            guard best.count < count || s > best[best.count - 1].score else { continue }
            let at = best.firstIndex { s > $0.score } ?? best.count  // after equal scores: lower ids first
            best.insert((s, id), at: at)
            if best.count > count { best.removeLast() }
        }
        if probabilities { return best.map { ($0.id, Foundation.log(Double($0.score))) } }
        let top = Double(scores.max() ?? 0)
        let lse = top + Foundation.log(scores.reduce(0) { $0 + Foundation.exp(Double($1) - top) })
        return best.map { ($0.id, Double($0.score) - lse) }
    }

    /// The best candidate's tokens for each source (the models' mean probabilities for an ensemble).
    public func decode(_ models: [Model], sources: [[Int]]) throws -> [[Int]] {
        try beamSearch(models, sources: sources).map { $0.first?.tokens ?? [] }
    }
}
