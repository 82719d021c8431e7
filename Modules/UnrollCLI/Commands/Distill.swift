import ArgumentParser
import Foundation
import Specs

struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Decode the training inputs of a spec's data with a bundle (a teacher, or an ensemble) and write input<TAB>output pairs: a student's train_targets (sequence-level knowledge distillation)."
    )
    @Argument(help: "The teacher bundle folder.") var bundle: String
    @Argument(help: "The spec whose data's training part to decode (no test example is decoded).") var spec: String
    @Option(help: "The pairs file to write (atomically).") var output: String
    @OptionGroup var task: TaskSettings
    @OptionGroup var values: SpecValues
    @OptionGroup var ensemble: EnsembleBundles

    func run() throws {
        var runner = try task.runner()
        runner.ensemble = ensemble.bundles.map(url)
        _ = try runner.distill(
            bundle: url(bundle), spec: url(spec), overrides: values.overrides(), output: url(output))
    }
}
