import Foundation
import Layers

/// Records how gradients flow through time while training, and says what it means.
///
/// Per recurrent layer and epoch: the mean norm of `∂L/∂h_t` at every time step (over the
/// sampled batches), the share of saturated units per gate, and over all steps the global
/// gradient norm before and after clipping and how often clipping fired. Writes
/// `gradient_flow.json` and `gradient_flow.csv` into `directory` and ends with a summary:
/// `lstm_1: gradient at step 1 is 1e-07 of step 100 — vanishing; consider …`.
public final class GradientFlowMonitor: Callback {
    /// One epoch of one layer.
    public struct LayerEpoch: Codable, Equatable {
        public var layer: String
        public var epoch: Int
        /// Mean ‖∂L/∂h_t‖ per step, step 1 first.
        public var gradientNorms: [Double]
        public var saturation: [String: Double]
        public var batches: Int
        public init(layer: String, epoch: Int, gradientNorms: [Double], saturation: [String: Double], batches: Int) {
            (self.layer, self.epoch, self.gradientNorms) = (layer, epoch, gradientNorms)
            (self.saturation, self.batches) = (saturation, batches)
        }
    }
    /// Clipping figures of one epoch.
    public struct ClipEpoch: Codable, Equatable {
        public var epoch: Int
        public var steps: Int, clipped: Int
        public var meanNormBefore: Double, meanNormAfter: Double, maxNormBefore: Double
    }

    public let directory: URL?
    public let every: Int
    public let probe = RecurrentProbe()
    public private(set) var layers: [LayerEpoch] = []
    public private(set) var clipping: [ClipEpoch] = []
    /// Lines of the closing summary (also said through `log`).
    public private(set) var summary: [String] = []
    /// Where the closing summary is said: the run's log; standard output by default, nowhere when
    /// made `quiet`.
    public var log: (String) -> Void

    private var sums: [String: (norms: [Double], sat: [String: Double], count: Int)] = [:]
    private var clip = (steps: 0, clipped: 0, before: 0.0, after: 0.0, maxBefore: 0.0)

    public init(directory: URL? = nil, every: Int = 10, quiet: Bool = false) {
        self.directory = directory
        self.every = max(1, every)
        self.log = quiet ? { _ in } : { print($0) }
    }

    public func onTrainBegin(_ trainer: Trainer) throws {
        trainer.probe = probe
        trainer.probeEvery = every
        layers = []
        clipping = []
        summary = []
        sums = [:]
    }

    public func onStepEnd(_ step: StepInfo, trainer: Trainer) throws {
        clip.steps += 1
        if step.clipping.clipped { clip.clipped += 1 }
        clip.before += Double(step.clipping.normBefore)
        clip.after += Double(step.clipping.normAfter)
        clip.maxBefore = max(clip.maxBefore, Double(step.clipping.normBefore))
        for r in probe.drain() {
            var s = sums[r.layer] ?? (Array(repeating: 0, count: r.gradientNorms.count), [:], 0)
            if s.norms.count != r.gradientNorms.count {
                s.norms = Array(repeating: 0, count: r.gradientNorms.count)
                s.count = 0
            }
            for (i, n) in r.gradientNorms.enumerated() { s.norms[i] += Double(n) }
            for (g, v) in r.saturation { s.sat[g, default: 0] += Double(v) }
            s.count += 1
            sums[r.layer] = s
        }
    }

    public func onEpochEnd(_ logs: EpochLogs, history: History, trainer: Trainer) throws -> Bool {
        for (layer, s) in sums.sorted(by: { $0.key < $1.key }) where s.count > 0 {
            layers.append(
                LayerEpoch(
                    layer: layer, epoch: logs.epoch, gradientNorms: s.norms.map { $0 / Double(s.count) },
                    saturation: s.sat.mapValues { $0 / Double(s.count) }, batches: s.count))
        }
        let n = Double(max(clip.steps, 1))
        clipping.append(
            ClipEpoch(
                epoch: logs.epoch, steps: clip.steps, clipped: clip.clipped, meanNormBefore: clip.before / n,
                meanNormAfter: clip.after / n, maxNormBefore: clip.maxBefore))
        sums = [:]
        clip = (0, 0, 0, 0, 0)
        return false
    }

    public func onTrainEnd(_ history: History, trainer: Trainer) throws {
        trainer.probe = nil
        let types = Dictionary(trainer.model.layers.map { ($0.name, $0.typeName) }, uniquingKeysWith: { a, _ in a })
        summary = GradientFlowMonitor.verdicts(layers: layers, clipping: clipping, layerTypes: types)
        for line in summary { log(line) }
        guard let directory else { return }
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        struct File: Codable {
            var layers: [LayerEpoch]
            var clipping: [ClipEpoch]
            var summary: [String]
        }
        try AtomicFile.write(
            try e.encode(File(layers: layers, clipping: clipping, summary: summary)),
            to: directory.appendingPathComponent("gradient_flow.json"))
        var csv = "layer,epoch,step,gradient_norm\n"
        for l in layers {
            for (t, v) in l.gradientNorms.enumerated() {
                csv += "\(l.layer),\(l.epoch),\(t + 1),\(String(format: "%.6g", v))\n"
            }
        }
        try AtomicFile.write(Data(csv.utf8), to: directory.appendingPathComponent("gradient_flow.csv"))
    }

    /// The closing verdicts: per layer the ratio of the gradient at the first step to the last step
    /// that carries any (masked padding carries none) in the last epoch (below 1e-3: vanishing; above 1e3 or non-finite: exploding), saturated
    /// gates, and how often clipping fired.
    public static func verdicts(layers: [LayerEpoch], clipping: [ClipEpoch], layerTypes: [String: String] = [:])
        -> [String]
    {
        var out: [String] = []
        let lastEpoch = layers.map(\.epoch).max() ?? 0
        for l in layers where l.epoch == lastEpoch {
            // Steps with no gradient at all are masked padding in every sampled row (after the text in
            // a tagging set, before it in Keras-style padding): the comparison is between the first
            // and the last step that carries any.
            let carrying = l.gradientNorms.enumerated().filter { $0.element > 0 || !$0.element.isFinite }
            guard let a = carrying.first, let b = carrying.last, a.offset < b.offset else { continue }
            let (first, last, from, to) = (a.element, b.element, a.offset + 1, b.offset + 1)
            let ratio = first / last
            let r = String(format: "%.1g", ratio)
            if !ratio.isFinite || ratio > 1e3 {
                out.append(
                    "\(l.layer): gradient at step \(from) is \(r)× that of step \(to) — exploding; clip gradients (clipping: {global_norm: 1}), lower the learning rate, or shorten sequences"
                )
            } else if ratio < 1e-3 {
                let gated = ["LSTM", "GRU"].contains(layerTypes[l.layer] ?? "")
                out.append(
                    "\(l.layer): gradient at step \(from) is \(r) of step \(to) — vanishing; "
                        + (gated
                            ? "early steps barely train: shorten sequences (padding is often most of them: mask_zero: true), or accept it for long-range-free tasks"
                            : "consider LSTM/GRU, shorter sequences or truncated BPTT"))
            } else {
                out.append("\(l.layer): gradient at step \(from) is \(r) of step \(to) — flowing")
            }
            let saturated = l.saturation.filter { $0.value > 0.5 }.keys.sorted()
            if !saturated.isEmpty {
                out.append(
                    "\(l.layer): gates mostly saturated (\(saturated.joined(separator: ", "))) — little gradient passes them"
                )
            }
        }
        let steps = clipping.reduce(0) { $0 + $1.steps }
        let clipped = clipping.reduce(0) { $0 + $1.clipped }
        if steps > 0 && clipped > 0 {
            out.append(String(format: "clipping fired on %.0f%% of steps", 100 * Double(clipped) / Double(steps)))
        }
        return out
    }
}
