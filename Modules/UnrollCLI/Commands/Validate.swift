import ArgumentParser
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a spec without reading any data: keys, types, names, shapes, and that its files exist.")
    @Argument(help: "The spec file.") var spec: String
    func run() throws {
        let s = try SpecLoader(registry: UnrollCLI.registry()).load(url(spec))
        let missing = s.missingFiles()
        guard missing.isEmpty else { throw SpecErrors(missing) }
        print(
            "\(spec): OK — \(s.layers.count) layers, data source '\(s.data.sourceName)', loss \(s.loss.name), optimizer \(s.optimizer.name)"
        )
    }
}
