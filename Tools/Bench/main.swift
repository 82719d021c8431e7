import CKernels
import Collectives
import Foundation
import Tensors

// unroll-bench [tensor|rnn|rnn-<cases, e.g. ab>|text|glove|shapes|phases[-b|-c1|-c2|-e|-g|-h|-i]|tiled|prefetch|stride|lookup|zerorows|negativelog|splitbatches|concurrent|graph|all|profile-train[-b|-c1|-c2|-e|-g|-h|-i]|profile-infer|inference|orthogonal|distributed[-ae]]   (glove runs alone: it reports peak memory)
// Build and run in release mode: swift build -c release --product unroll-bench && .build/release/unroll-bench
/// The first lines of every run: what the figures were measured on.
func printHost() {
    let isa = ["baseline", "AVX2 + FMA", "AVX-512"][Int(unroll_kernels_isa())]
    let cpu = [CPUFeatures.familyAndModel, CPUFeatures.vectorExtensions].compactMap { $0 }.joined(separator: "; ")
    print("CPU: \(CPUFeatures.modelName) (\(cpu)); Unroll kernels: \(isa)")
    print("OpenBLAS kernels: \(BLAS.coreName), threads: \(BLAS.threadCount)")
    if let notice = BLAS.narrowCoreNotice { print("note: \(notice)") }
}

let args = CommandLine.arguments.dropFirst()
let which = Set(args.isEmpty ? ["all"] : args)
do {
    if let d = which.first(where: { $0 == "distributed" || $0.hasPrefix("distributed-") }) {
        // Under mpirun: only rank 0 prints; every rank runs the same steps (DistributedBench).
        if (try Collectives.world()).isPrimary { printHost() }
        try DistributedBench.run([d])
        exit(0)
    }
    printHost()
    // profile-train and phases are model (a)'s; a suffix picks another model of `RNNBench.cases()`.
    let models = ["", "-b", "-c1", "-c2", "-e", "-g", "-h", "-i"]
    for (index, suffix) in models.enumerated() {
        if which.contains("profile-train" + suffix) { try ProfileLoops.train(index: index) }
        if which.contains("phases" + suffix) { try ShapeBench.phases(index: index) }
    }
    if which.contains("profile-infer") { try ProfileLoops.infer() }
    if which.contains("shapes") { ShapeBench.shapes() }
    if which.contains("tiled") {
        ShapeBench.tiled()
        try RNNBench.tiledAB()
    }
    if which.contains("prefetch") {
        ShapeBench.prefetch()
        try RNNBench.prefetchAB()
    }
    if which.contains("stride") { try RNNBench.strideAB() }
    if which.contains("lookup") { try RNNBench.lookupAB() }
    if which.contains("zerorows") { try RNNBench.zeroRowsAB() }
    if which.contains("negativelog") { try RNNBench.negativeLogAB() }
    if which.contains("splitbatches") { try RNNBench.splitBatchesAB() }
    if which.contains("concurrent") { try RNNBench.concurrentAB() }
    if which.contains("graph") { try RNNBench.graphAB() }
    if which.contains("glove") { try TextBench.glove() }
    if which.contains("orthogonal") { try TensorBench.orthogonal() }
    if which.contains("all") || which.contains("text") { try TextBench.text() }
    if which.contains("all") || which.contains("tensor") { try TensorBench.run() }
    if which.contains("all") || which.contains("rnn") {
        try RNNBench.run()
    }
    for arg in which where arg.hasPrefix("rnn-") {  // rnn-a, rnn-ab: training of those models only
        try RNNBench.run(only: Set(arg.dropFirst(4)))
    }
    if which.contains("inference") { try RNNBench.inference() }
    print("peak memory (VmHWM): \(fmt(peakMemoryMiB(), 1)) MiB")
} catch {
    print("benchmark failed: \(error)")
}
