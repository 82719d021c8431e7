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
    func run() throws {
        _ = try Runner(registry: UnrollCLI.registry()).evaluate(bundle: url(bundle), spec: data.map(url))
    }
}
