import Foundation
import ArgumentParser
import PluginRegistry
import Tensors
import Training
import Specs
#if canImport(Glibc)
import Glibc
#endif

/// The `unroll` command line, as a library: an app lists its plugin modules and calls `run`.
///
/// ```swift
/// // Apps/unroll/main.swift
/// UnrollCLI.run(plugins: [])
/// // a team's own build with its plugins:
/// UnrollCLI.run(plugins: [AcmeLayers.self])
/// ```
public enum UnrollCLI {
    nonisolated(unsafe) static var plugins: [any PluginModule.Type] = []

    static func registry() throws -> Registry { try Builtins.registry(plugins: plugins) }

    /// Parses the arguments and runs; exits 0 on success, non-zero with a message on standard
    /// error for every user mistake.
    public static func run(plugins: [any PluginModule.Type], arguments: [String]? = nil) -> Never {
        self.plugins = plugins
        var command: ParsableCommand
        do {
            command = try Unroll.parseAsRoot(arguments)
        } catch {
            Unroll.exit(withError: error)          // usage errors and --help, formatted by ArgumentParser
        }
        do {
            try command.run()
            exit(0)
        } catch let e as SpecErrors {
            for i in e.issues { printError("\(i)") }
        } catch let e as ValidationError {
            printError(e.message)
        } catch {
            // `unroll help train` parses into ArgumentParser's help command, whose run() throws
            // the help request: let ArgumentParser print it (exit code 0).
            if Unroll.exitCode(for: error) == .success { Unroll.exit(withError: error) }
            printError("\(error)")
        }
        exit(1)
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}

struct Unroll: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unroll",
        abstract: "Build, train and run recurrent neural networks from spec files.",
        subcommands: [Train.self, Evaluate.self, Predict.self, Summary.self, Validate.self, Generate.self, Trace.self, Report.self, Layers.self])
}

func url(_ path: String) -> URL { URL(fileURLWithPath: path).standardizedFileURL }

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train the model a spec describes; writes a bundle folder and prints the test report.")
    @Argument(help: "The spec file (YAML or JSON).") var spec: String
    @Option(help: "Override the spec's epochs.") var epochs: Int?
    @Flag(help: "No progress output.") var quiet = false
    @Option(help: "Compute threads (Unroll's pool; OpenBLAS itself stays single-threaded). Default: all cores.") var threads: Int?
    @Flag(help: "Continue an unfinished run, or the bundle's run, from its checkpoints (needs a model_checkpoint callback in the spec).") var resume = false
    @Flag(help: "Replace the bundle at the spec's output (and an unfinished run's checkpoints).") var overwrite = false

    /// The most compute threads `--threads` takes (the pool starts one thread per part).
    static let maxThreads = 1024

    func validate() throws {
        if let threads, !(1...Train.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in 1…\(Train.maxThreads), got \(threads)")
        }
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be ≥ 0, got \(epochs)") }
    }

    func run() throws {
        if let threads { BLAS.threadCount = threads }
        _ = try Runner(registry: UnrollCLI.registry()).train(url(spec), epochsOverride: epochs, verbosity: quiet ? .quiet : nil, resume: resume,
                                                             overwrite: overwrite)
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a bundle on the test split stored in it (or another spec's data, encoded the bundle's way).")
    @Argument(help: "The bundle folder.") var bundle: String
    @Argument(help: "A spec whose data's test split to evaluate on (default: the bundle's own test split).") var data: String?
    func run() throws { _ = try Runner(registry: UnrollCLI.registry()).evaluate(bundle: url(bundle), spec: data.map(url)) }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify texts (arguments, or one per line from standard input).")
    @Argument(help: "The bundle folder.") var bundle: String
    @Argument(help: "Texts to classify; none: read lines from standard input.") var texts: [String] = []
    @Flag(help: "JSON output, one object per text.") var json = false

    func run() throws {
        var inputs = texts
        if inputs.isEmpty { while let line = readLine() { if !line.isEmpty { inputs.append(line) } } }
        let preds = try Runner(registry: UnrollCLI.registry()).predict(bundle: url(bundle), texts: inputs)
        for p in preds {
            if json {
                let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
                print(String(decoding: try e.encode(p), as: UTF8.self))
            } else {
                let probs = p.probabilities.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: ", ")
                print("\(p.label)\t(\(probs))\t\(p.text)")
            }
        }
    }
}

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the model summary of a spec or a bundle.")
    @Argument(help: "A spec file or a bundle folder.") var path: String
    func run() throws {
        let registry = try UnrollCLI.registry()
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            print(try ModelBundle.load(url(path), registry: registry).model.summary())
        } else {
            print(try SpecLoader(registry: registry).load(url(path)).summaryModel(registry: registry).summary())
        }
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a spec without reading any data: keys, types, names, shapes.")
    @Argument(help: "The spec file.") var spec: String
    func run() throws {
        let s = try SpecLoader(registry: UnrollCLI.registry()).load(url(spec))
        print("\(spec): OK — \(s.layers.count) layers, data source '\(s.data.sourceName)', loss \(s.loss.name), optimizer \(s.optimizer.name)")
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sample text from a character-model bundle.")
    @Argument(help: "The bundle folder.") var bundle: String
    @Option(help: "Text to start from.") var prime: String
    @Option(help: "Characters to generate (at most 10,000,000).") var length = 200
    @Option(help: "Sampling temperature (> 0; lower is more conservative).") var temperature = 1.0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    func run() throws {
        print(try Runner(registry: UnrollCLI.registry()).generate(bundle: url(bundle), prime: prime, length: length, temperature: temperature, seed: seed))
    }
}

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Step-by-step table of a sequence model on one input: inputs, pre-activations, gates, states, probabilities.")
    @Argument(help: "A bundle folder, or a spec (built from its data and weights: key).") var path: String
    @Option(help: "The input text (characters, or words for text models).") var input: String
    @Option(help: "Show at most this many steps.") var steps: Int?
    @Flag(help: "JSON output.") var json = false
    @Flag(help: "Show every value (default: the first 12 of each vector, the 12 most likely symbols).") var full = false
    func validate() throws {
        if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0, got \(steps)") }
    }
    func run() throws {
        var t = try Runner(registry: UnrollCLI.registry()).trace(url(path), input: input)
        if let steps { t.steps = Array(t.steps.prefix(steps)) }
        if json {
            let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try e.encode(t), as: UTF8.self))
        } else {
            print(Tracer.render(t, maxValues: full ? nil : 12), terminator: "")
        }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write report.html (summary, test report, gradient flow, SVG plots) into a bundle.")
    @Argument(help: "The bundle folder.") var bundle: String
    func run() throws {
        let b = try ModelBundle.load(url(bundle), registry: UnrollCLI.registry())
        print(try BundleReport.writeHTML(url(bundle), summary: b.model.summary()).path)
    }
}

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List registered plugins (layers by default) and their config fields.")
    @Option(help: "Kind: layer, loss, optimizer, schedule, metric, callback, cleaning_step, tokenizer, dataset_source, all.") var kind = "layer"
    func run() throws {
        let registry = try UnrollCLI.registry()
        let kinds: [PluginKind]
        if kind == "all" { kinds = PluginKind.allCases } else {
            guard let k = PluginKind(rawValue: kind) else {
                throw ValidationError("unknown kind '\(kind)'; one of: \(PluginKind.allCases.map(\.rawValue).joined(separator: ", ")), all")
            }
            kinds = [k]
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
