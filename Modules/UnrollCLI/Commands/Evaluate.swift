import ArgumentParser
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a bundle on the test split stored in it (or another spec's data, encoded the bundle's way)."
    )
    @Argument(help: "The bundle folder.") var bundle: String
    @Argument(help: "A spec whose data's test split to evaluate on (default: the bundle's own test split).") var data:
        String?
    @Flag(help: "JSON output (loss, metrics, confusion matrix) instead of the report.") var json = false
    @Option(
        help:
            "Also write the model's outputs on the test split to this safetensors file: one tensor 'outputs' [examples, …], in the split's order (the bundle's test.safetensors holds its x and y)."
    ) var saveOutputs: String?
    @OptionGroup var task: TaskSettings
    @OptionGroup var values: SpecValues
    @OptionGroup var ensemble: EnsembleBundles

    func validate() throws {
        if data == nil, !values.set.isEmpty {
            throw ValidationError(
                "--set changes the values of a SPEC argument, and none is given: unroll evaluate BUNDLE SPEC --set KEY=VALUE"
            )
        }
    }

    func run() throws {
        var runner = try task.runner()
        runner.ensemble = ensemble.bundles.map(url)
        if json { runner.log = { _ in } }
        let e = try runner.evaluate(bundle: url(bundle), spec: data.map(url), overrides: values.overrides())
        if let saveOutputs {
            try SafeTensors.write(
                ["outputs": e.predictions], metadata: ["format": "unroll-outputs"], to: url(saveOutputs))
        }
        if json {
            let classes = try ModelBundle.load(url(bundle), registry: runner.registry).description.classes
            let object = runner.metricsObject(e, classes: classes)
            print(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            )
        }
    }
}
