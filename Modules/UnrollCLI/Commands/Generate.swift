import ArgumentParser
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sample text from a character-model bundle.")
    @Argument(help: "The bundle folder.") var bundle: String
    @Option(help: "Text to start from.") var prime: String
    @Option(help: "Characters to generate (at most 10,000,000).") var length = 200
    @Option(help: "Sampling temperature (> 0; lower is more conservative; 0: always the most likely character).")
    var temperature = 1.0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    func run() throws {
        print(
            try Runner(registry: UnrollCLI.registry()).generate(
                bundle: url(bundle), prime: prime, length: length, temperature: temperature, seed: seed))
    }
}
