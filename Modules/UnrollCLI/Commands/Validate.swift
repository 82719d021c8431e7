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
    @Flag(
        help:
            "JSON output: {\"ok\": true, …} or {\"ok\": false, \"issues\": [{file, line, column, message, hint, layer}]}."
    )
    var json = false
    @OptionGroup var values: SpecValues

    func run() throws {
        guard json else {
            try check()
            return
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        do {
            let s = try check(quiet: true)
            let out: [String: JSONValue] = [
                "ok": .bool(true), "layers": .number(Double(s.layers.count)), "source": .string(s.data.sourceName),
                "task": .string(s.taskName), "loss": .string(s.loss.name), "optimizer": .string(s.optimizer.name),
            ]
            print(String(decoding: try e.encode(out), as: UTF8.self))
        } catch let errors as SpecErrors {
            struct Failed: Encodable {
                var ok = false
                var issues: [SpecIssue]
            }
            print(String(decoding: try e.encode(Failed(issues: errors.issues)), as: UTF8.self))
            throw ExitCode(1)
        }
    }

    @discardableResult
    func check(quiet: Bool = false) throws -> Spec {
        let s = try SpecLoader(registry: UnrollCLI.registry()).load(
            url(spec), overrides: try values.overrides())
        let missing = s.missingFiles()
        guard missing.isEmpty else { throw SpecErrors(missing) }
        if quiet { return s }
        print(
            "\(spec): OK — \(s.layers.count) layers, data source '\(s.data.sourceName)', loss \(s.loss.name), optimizer \(s.optimizer.name)"
        )
        return s
    }
}
