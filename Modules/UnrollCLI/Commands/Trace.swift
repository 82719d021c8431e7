import ArgumentParser
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Step-by-step table of a sequence model on one input: inputs, pre-activations, gates, states, probabilities."
    )
    @Argument(help: "A bundle folder, or a spec (built from its data and weights: key).") var path: String
    @Option(help: "The input text (characters, or words for text models).") var input: String
    @Option(help: "Show at most this many steps.") var steps: Int?
    @Flag(help: "JSON output.") var json = false
    @Flag(help: "Show every value (default: the first 12 of each vector, the 12 most likely symbols).") var full = false
    func validate() throws {
        if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0, got \(steps)") }
    }
    @OptionGroup var task: TaskSettings

    func run() throws {
        var t = try task.runner().trace(url(path), input: input)
        if let steps { t.steps = Array(t.steps.prefix(steps)) }
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try e.encode(t), as: UTF8.self))
        } else {
            print(Tracer.render(t, maxValues: full ? nil : 12), terminator: "")
        }
    }
}
