import ArgumentParser
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Classify texts, tag tokens, classify or score rows of features, or decode sequences, as the bundle's task reads them (arguments, or one per line from standard input)."
    )
    @Argument(help: "The bundle folder.") var bundle: String
    @Argument(
        help: "Inputs (texts; comma-separated features for a numeric model); none: one per line from standard input.")
    var texts: [String] = []
    @Flag(help: "JSON output, one object per input.") var json = false

    @OptionGroup var task: TaskSettings
    @OptionGroup var ensemble: EnsembleBundles

    func run() throws {
        var inputs = texts
        // an empty line gives an empty result line
        if inputs.isEmpty { while let line = readLine() { inputs.append(line) } }
        var runner = try task.runner()
        runner.ensemble = ensemble.bundles.map(url)
        let preds = try runner.predict(bundle: url(bundle), texts: inputs)
        for (i, p) in preds.enumerated() {
            if let note = p.note {  // on standard error, so that standard output keeps one line per input
                FileHandle.standardError.write(Data("note: input \(i + 1): \(note)\n".utf8))
            }
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys]
                print(String(decoding: try e.encode(p), as: UTF8.self))
            } else if p.label.isEmpty {
                print("")
            } else if p.tokens != nil {
                print(p.label)
            } else if p.value != nil || p.probabilities.isEmpty {
                print("\(p.label)\t\(p.text)")
            } else {
                let probs = p.probabilities.sorted { $0.key < $1.key }.map {
                    "\($0.key) \(String(format: "%.3f", $0.value))"
                }.joined(separator: ", ")
                print("\(p.label)\t(\(probs))\t\(p.text)")
            }
        }
    }
}
