import ArgumentParser
import Collectives
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

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
    /// The data-parallel job a command joined (`train` under `mpirun`); finished at exit.
    nonisolated(unsafe) static var job: (any Communicator)?

    /// The version `unroll --version` prints.
    public static let version = "0.13.0"

    static func registry() throws -> Registry { try Builtins.registry(plugins: plugins) }

    /// Parses the arguments and runs; exits 0 on success, non-zero with a message on standard
    /// error for every user mistake.
    public static func run(plugins: [any PluginModule.Type], arguments: [String]? = nil) -> Never {
        self.plugins = plugins
        // Line by line even into a file or pipe, so the lines keep their order with standard
        // error's and a log shows each epoch as it ends.
        setvbuf(stdout, nil, _IOLBF, 0)
        var command: ParsableCommand
        let args = arguments ?? Array(CommandLine.arguments.dropFirst())
        if let first = args.first, !first.hasPrefix("-"), first != "help" {
            let names = Unroll.configuration.subcommands.map { $0._commandName }
            if !names.contains(first) {
                let near = Registry.suggestions(for: first, among: names)
                printError(
                    "unknown command '\(first)'\(near.first.map { " (did you mean '\($0)'?)" } ?? ""); commands: \(names.joined(separator: ", "))"
                )
                exit(64)
            }
        }
        do {
            command = try Unroll.parseAsRoot(arguments)
        } catch {
            Unroll.exit(withError: error)  // usage errors and --help, formatted by ArgumentParser
        }
        do {
            try command.run()
            job?.finish()
            exit(0)
        } catch let e as SpecErrors {
            for i in e.issues { printError("\(i)") }
        } catch let e as ValidationError {
            printError(e.message)
        } catch let e as ExitCode {
            exit(e.rawValue)  // the command has said what went wrong (validate --json)
        } catch {
            // `unroll help train` parses into ArgumentParser's help command, whose run() throws
            // the help request: let ArgumentParser print it (exit code 0).
            if Unroll.exitCode(for: error) == .success { Unroll.exit(withError: error) }
            printError("\(error)")
        }
        // One rank's failure ends the whole job: the others would wait for it in a collective.
        if let job, job.size > 1 { job.abort(code: 1) }
        job?.finish()
        exit(1)
    }

    static func printError(_ message: String) {
        let rank = job.map { $0.size > 1 ? " (rank \($0.rank) of \($0.size))" : "" } ?? ""
        FileHandle.standardError.write(Data("error\(rank): \(message)\n".utf8))
    }
}

struct Unroll: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unroll",
        abstract: "Build, train and run recurrent neural networks from spec files.",
        version: UnrollCLI.version,
        subcommands: [
            Train.self, Evaluate.self, Predict.self, Summary.self, Validate.self, Generate.self, Trace.self,
            Report.self, Layers.self, Forecast.self, Distill.self,
        ])
}

func url(_ path: String) -> URL { URL(fileURLWithPath: path).standardizedFileURL }

/// `--task key=value`: a field of the bundle's task changed for this command only.
struct TaskSettings: ParsableArguments {
    @Option(
        name: .customLong("task"),
        help: ArgumentHelp(
            "Change a setting of the bundle's task for this run (beam_width=4, n_best=3); repeatable.",
            valueName: "key=value"))
    var settings: [String] = []

    /// A runner that reads bundles with these settings.
    func runner() throws -> Runner {
        var r = Runner(registry: try UnrollCLI.registry())
        r.taskSettings = try settings.map { try SpecOverride($0, option: "--task", example: "beam_width=4") }
        return r
    }
}

/// `--set KEY=VALUE` (repeatable), for every command that reads a SPEC (`train`, `validate`,
/// `evaluate`, `distill`): the spec's values changed before it is read and validated.
struct SpecValues: ParsableArguments {
    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Change a spec value before validation: a dotted key and a YAML value (epochs=3, optimizer.learning_rate=0.01, model.0.units=64, data.test_alternatives=true). Repeatable.",
            valueName: "key=value"))
    var set: [String] = []

    func overrides() throws -> [SpecOverride] { try set.map { try SpecOverride($0) } }
}

/// `--ensemble BUNDLE` (repeatable): further bundles whose models decode with the command's.
struct EnsembleBundles: ParsableArguments {
    @Option(
        name: .customLong("ensemble"),
        help: ArgumentHelp(
            "Decode together with this bundle's model too (the models' probabilities averaged at each step); repeatable. Sequence-to-sequence bundles of the same vocabulary.",
            valueName: "bundle"))
    var bundles: [String] = []
}
