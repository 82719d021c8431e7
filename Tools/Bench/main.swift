import Tensors

// unroll-bench [tensor|all]
// Build and run in release mode: swift run -c release unroll-bench
let args = CommandLine.arguments.dropFirst()
let which = Set(args.isEmpty ? ["all"] : args)
do {
    if which.contains("all") || which.contains("tensor") { try TensorBench.run() }
    print("peak memory: \(fmt(peakMemoryMiB(), 1)) MiB")
} catch {
    print("benchmark failed: \(error)")
}
