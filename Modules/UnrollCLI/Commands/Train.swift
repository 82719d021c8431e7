import ArgumentParser
import Collectives
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the model a spec describes; writes a bundle folder and prints the test report.")
    @Argument(help: "The spec file (YAML or JSON).") var spec: String
    @Option(help: "Override the spec's epochs.") var epochs: Int?
    @Flag(help: "Print nothing but errors (the test report is in the bundle's metrics.json).") var quiet = false
    @Option(
        help:
            "Compute threads (Unroll's pool; OpenBLAS itself stays single-threaded). Default: all cores, shared among the ranks of an MPI job on one machine."
    )
    var threads: Int?
    @Flag(
        help:
            "Continue an unfinished run, or the bundle's run, from its checkpoints (needs a model_checkpoint callback in the spec)."
    ) var resume = false
    @Flag(help: "Replace the bundle at the spec's output (and an unfinished run's checkpoints).") var overwrite = false
    @OptionGroup var values: SpecValues
    @Option(help: "The bundle folder, relative to the current folder (instead of the spec's output).")
    var output: String?

    /// The most compute threads `--threads` takes (the pool starts one thread per part).
    static let maxThreads = 1024

    func validate() throws {
        if let threads, !(1...Train.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in 1…\(Train.maxThreads), got \(threads)")
        }
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be ≥ 0, got \(epochs)") }
    }

    func run() throws {
        // Under `mpirun`/`srun`, join the job: ranks on one machine share its cores by default.
        let job = try Collectives.world()
        UnrollCLI.job = job
        if let threads {
            BLAS.threadCount = threads
        } else if job.localSize > 1 {
            BLAS.threadCount = max(1, ProcessInfo.processInfo.activeProcessorCount / job.localSize)
        }
        var runner = try Runner(registry: UnrollCLI.registry())
        runner.communicator = job
        if quiet { runner.log = { _ in } }
        _ = try runner.train(
            url(spec), epochsOverride: epochs, verbosity: quiet ? .quiet : nil, resume: resume,
            overwrite: overwrite,
            overrides: try values.overrides() + (output.map { [try SpecOverride("output=\"\(url($0).path)\"")] } ?? []))
    }
}
