import Collectives
import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// Runs specs and bundles: what the `unroll` subcommands do, as a library.
public struct Runner {
    public let registry: Registry
    /// Where human-readable output goes (standard output by default).
    public var log: (String) -> Void = { print($0) }
    /// The data-parallel job `train` runs in (one process by default): rank 0 prints and writes the
    /// run folder, checkpoints and bundle; the other ranks train silently (see `Trainer+DataParallel`).
    public var communicator: any Communicator = SingleProcess()
    /// Task fields changed for the bundles this runner reads (`unroll predict --task beam_width=4`).
    public var taskSettings: [SpecOverride] = []
    /// Further bundles whose models decode together with the bundle `evaluate` and `predict`
    /// read (`--ensemble`): the same task, classes, vocabulary and input parts, else an error.
    public var ensemble: [URL] = []

    /// The bundle at `dir`, with `taskSettings` applied.
    func loadBundle(_ dir: URL) throws -> ModelBundle {
        try ModelBundle.load(dir, registry: registry, settings: taskSettings)
    }
    public init(registry: Registry) { self.registry = registry }

    /// The models of the `ensemble` bundles, each checked against `b` (read from `dir`): a bundle
    /// whose task, classes, vocabulary or input parts differ is an error naming both folders.
    func ensembleModels(with b: ModelBundle, at dir: URL) throws -> [Model] {
        try ensemble.map { other in
            let o = try loadBundle(other)
            let same: [(String, Bool)] = [
                ("task", o.description.task == b.description.task),
                ("classes", o.description.classes == b.description.classes),
                ("vocabulary", o.pipeline?.vocabulary.tokens == b.pipeline?.vocabulary.tokens),
                ("input parts", o.model.inputParts == b.model.inputParts),
            ]
            let differs = same.first { !$0.1 }?.0
            if let differs {
                throw CheckpointError.format(
                    path: other.path,
                    message: "cannot join an ensemble with \(dir.path): the two bundles' \(differs) differ")
            }
            return o.model
        }
    }

    /// The result of `train`.
    public struct TrainResult {
        public var bundle: URL
        public var history: History
        /// The test report; nil when the test split is empty.
        public var test: Trainer.Evaluation?
        public var classes: [String]
    }
}
