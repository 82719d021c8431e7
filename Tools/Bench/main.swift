import Tensors

// unroll-bench [tensor|rnn|text|glove|all|profile-train|profile-infer]   (glove runs alone: it reports peak memory)
// Build and run in release mode: swift build -c release --product unroll-bench && .build/release/unroll-bench
let args = CommandLine.arguments.dropFirst()
let which = Set(args.isEmpty ? ["all"] : args)
do {
    print("OpenBLAS kernels: \(BLAS.coreName), threads: \(BLAS.threadCount)")
    if which.contains("profile-train") { try ProfileLoops.train() }
    if which.contains("profile-infer") { try ProfileLoops.infer() }
    if which.contains("glove") { try TextBench.glove() }
    if which.contains("all") || which.contains("text") { try TextBench.text() }
    if which.contains("all") || which.contains("tensor") { try TensorBench.run() }
    if which.contains("all") || which.contains("rnn") {
        try RNNBench.run(peak: TensorBench.sgemmGFLOPs(m: 1024, k: 1024, n: 1024))
    }
    print("peak memory (VmHWM): \(fmt(peakMemoryMiB(), 1)) MiB")
} catch {
    print("benchmark failed: \(error)")
}
