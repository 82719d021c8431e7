import ArgumentParser
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the model summary of a spec or a bundle.")
    @Argument(help: "A spec file or a bundle folder.") var path: String
    @Flag(
        help:
            "JSON output: the layers (name, type, output shape, parameters) and the totals; null where the data decides a size and was not read."
    )
    var json = false
    func run() throws {
        let registry = try UnrollCLI.registry()
        var isDir: ObjCBool = false
        let isBundle = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
        if json {
            let object =
                isBundle
                ? try ModelBundle.load(url(path), registry: registry).model.summaryObject()
                : try SpecLoader(registry: registry).load(url(path)).summaryObject(registry: registry)
            print(
                String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            )
        } else if isBundle {
            print(try ModelBundle.load(url(path), registry: registry).model.summary())
        } else {
            print(try SpecLoader(registry: registry).load(url(path)).summary(registry: registry), terminator: "")
        }
    }
}
