import ArgumentParser
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List registered plugins (layers by default) and their config fields.")
    @Option(
        help:
            "Kind: layer, loss, optimizer, schedule, metric, callback, cleaning_step, tokenizer, dataset_source, task, all."
    ) var kind = "layer"
    @Flag(help: "JSON output: each kind's plugins with their summaries and fields.") var json = false

    /// One plugin as `--json` lists it.
    struct Listed: Encodable {
        var name: String, summary: String, fields: [FieldInfo]
    }

    func run() throws {
        let registry = try UnrollCLI.registry()
        let kinds: [PluginKind]
        if kind == "all" {
            kinds = PluginKind.allCases
        } else {
            guard let k = PluginKind(rawValue: kind) else {
                throw ValidationError(
                    "unknown kind '\(kind)'; one of: \(PluginKind.allCases.map(\.rawValue).joined(separator: ", ")), all"
                )
            }
            kinds = [k]
        }
        if json {
            let listed = Dictionary(
                uniqueKeysWithValues: kinds.map { k in
                    (k.rawValue, registry.all(k).map { Listed(name: $0.name, summary: $0.summary, fields: $0.fields) })
                })
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            e.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try e.encode(listed), as: UTF8.self))
            return
        }
        for k in kinds {
            print("\(k.plural):")
            for e in registry.all(k) {
                print("  \(e.name) — \(e.summary)")
                for f in e.fields {
                    let d = f.required ? "required" : "default \(f.defaultValue ?? "")"
                    print("      \(f.name): \(f.type), \(d)\(f.doc.isEmpty ? "" : " — \(f.doc)")")
                }
            }
        }
    }
}
