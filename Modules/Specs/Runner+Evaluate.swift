import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import Tensors
import TextPipeline
import Training

/// `unroll evaluate`.
extension Runner {
    /// Evaluates a bundle on the test split stored in it, or on the test split of `dataSpec`'s
    /// data encoded with the bundle's own classes, alphabet and vocabulary (never refitted). With
    /// an `ensemble`, the task's decoded figures combine the models. `overrides` change
    /// `dataSpec`'s values before it is read (`evaluate BUNDLE SPEC --set data.test_alternatives=true`).
    public func evaluate(bundle dir: URL, spec dataSpec: URL? = nil, overrides: [SpecOverride] = []) throws
        -> Trainer.Evaluation
    {
        let b = try loadBundle(dir)
        let models = [b.model] + (try ensembleModels(with: b, at: dir))
        let loss = try b.loss(registry: registry)
        let x: Tensor
        let y: Tensor
        var reference: Tensor?
        if let dataSpec {
            let spec = try SpecLoader(registry: registry).load(dataSpec, overrides: overrides)
            try Runner.checkSameTask(b, spec, command: "evaluate")
            let data = try spec.prepareData(
                fixed: FixedEncoding(
                    classes: b.description.classes, pipeline: b.pipeline, loss: loss, inputParts: b.model.inputParts,
                    taskState: b.description.taskState))
            (x, y, reference) = (data.xTest, data.yTest, data.testReference)
        } else {
            guard let split = try b.testSplitWithReference() else {
                throw CheckpointError.io(
                    path: dir.path,
                    message:
                        "this bundle holds no test split (trained with an empty one, or by an older Unroll); name a spec whose data to evaluate on: unroll evaluate BUNDLE SPEC"
                )
            }
            (x, y, reference) = split
        }
        guard x.shape.first ?? 0 > 0 else {
            throw TrainingError.invalid("the test split is empty: nothing to evaluate")
        }
        let trainer = Trainer(model: b.model, loss: loss, optimizer: SGD())
        var e = try trainer.evaluate(
            x: x, y: y, task: b.task.reading(loss: loss, outputShape: b.model.outputShape),
            metrics: try Runner.metrics(b.task.defaultMetrics, registry: registry))
        var test = PreparedData(
            xTrain: x, yTrain: y, xTest: x, yTest: y, inputShape: b.model.inputShape, classNames: b.description.classes,
            pipeline: b.pipeline, vocabularySize: nil, perStep: b.description.perStep,
            form: DataForm(b.description.form))
        test.inputParts = b.model.inputParts
        test.taskState = b.description.taskState
        test.testReference = reference
        for (k, v) in try b.task.testMetrics(models: models, data: test) { e.metrics[k] = v }
        if models.count > 1 {
            log(
                "ensemble of \(models.count) models: the decoded figures are the ensemble's; the loss and the "
                    + "per-step metrics are \(dir.lastPathComponent)'s alone")
        }
        log(report(e, classes: b.description.classes, perStep: b.description.perStep))
        return e
    }

    /// A spec read with a bundle (`evaluate BUNDLE SPEC`, `distill TEACHER SPEC`) must be of the
    /// bundle's task: its data is read as that task reads it.
    static func checkSameTask(_ b: ModelBundle, _ spec: Spec, command: String) throws {
        guard let trained = b.description.task, trained != spec.taskName else { return }
        throw spec.mismatch(
            spec.root["task"] ?? spec.data.node,
            "the bundle was trained for \(trained), and this spec's task is \(spec.taskName): "
                + "\(command) reads data for the bundle's task")
    }
}
