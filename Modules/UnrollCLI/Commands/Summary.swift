import ArgumentParser
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the model summary of a spec or a bundle.")
    @Argument(help: "A spec file or a bundle folder.") var path: String
    func run() throws {
        let registry = try UnrollCLI.registry()
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            print(try ModelBundle.load(url(path), registry: registry).model.summary())
        } else {
            print(try SpecLoader(registry: registry).load(url(path)).summary(registry: registry), terminator: "")
        }
    }
}
