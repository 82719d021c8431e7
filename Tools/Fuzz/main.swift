// unroll-fuzz: a seeded mutation fuzzer for every parser of outside input (spec files, data files,
// GloVe, tagging, vocabulary, safetensors, model.json, pipeline.json, manifests, checkpoint state),
// and for specs taken as far as a built model's first forward pass (`spec_build`).
//
//   swift run -c release unroll-fuzz [TARGET… | all] [--runs N] [--seconds S] [--seed K] [--corpus DIR]
//       [--verbose]
//   unroll-fuzz --list          the targets, one a line
//
// Each target runs its seeds (built in, plus DIR/<target>/*), then mutations of them, until N runs
// or S seconds (`--verbose` prints why a seed was refused). A thrown error is a refusal (counted);
// a crash writes the input to crash-<target>.bin and kills the process with the crash's signal,
// so a script sees it fail.
// Run from the package root (it reads Examples/ for spec seeds).
import Foundation
import Tensors

#if canImport(Glibc)
    import Glibc
#endif

setvbuf(stdout, nil, _IOLBF, 0)  // each target's line reaches a log even if a later target crashes

var names: [String] = []
var runs = Int.max
var seconds = Double.infinity
var seed: UInt64 = 1
var corpus = "Tools/Fuzz/corpus"
var verbose = false
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--runs": runs = args.popFirst().flatMap(Int.init) ?? runs
    case "--seconds": seconds = args.popFirst().flatMap(Double.init) ?? seconds
    case "--seed": seed = args.popFirst().flatMap(UInt64.init) ?? seed
    case "--corpus": corpus = args.popFirst() ?? corpus
    case "--list": names = ["--list"]
    case "--verbose": verbose = true
    default: names.append(a)
    }
}
if runs == .max && seconds == .infinity { runs = 10_000 }

if names == ["--list"] {
    print(Targets.names.joined(separator: "\n"))
    exit(0)
}
let targets = try Targets()
defer { try? FileManager.default.removeItem(at: targets.scratch) }
let all = targets.all
guard all.map(\.name) == Targets.names else {
    FileHandle.standardError.write(Data("unroll-fuzz: Targets.names does not list the targets in order\n".utf8))
    exit(2)
}
let chosen = names.isEmpty || names == ["all"] ? all : all.filter { names.contains($0.name) }
guard !chosen.isEmpty else {
    FileHandle.standardError.write(
        Data("unroll-fuzz: no such target; targets: \(all.map(\.name).joined(separator: ", "))\n".utf8))
    exit(2)
}
for target in chosen {
    let dir = URL(fileURLWithPath: corpus).appendingPathComponent(target.name)
    let extra = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
        .compactMap { FileManager.default.contents(atPath: dir.appendingPathComponent($0).path) }
    let seeds = target.seeds.filter { !$0.isEmpty } + extra
    var mutator = Mutator(rng: SeededGenerator(seed: seed), seeds: seeds.isEmpty ? [Data()] : seeds)
    CrashReport.arm(target: target.name)
    let start = Date()
    var done = 0
    var refused = 0
    while done < runs && Date().timeIntervalSince(start) < seconds {
        let input = done < seeds.count ? seeds[done] : mutator.next()
        CrashReport.hold(input)
        do { try target.run(input) } catch {
            refused += 1
            if verbose && done < seeds.count { print("  seed \(done + 1) refused: \(error)") }
        }
        done += 1
    }
    let t = Date().timeIntervalSince(start)
    print(
        "fuzz \(target.name): \(done) runs (\(seeds.count) seeds), \(refused) refused with an error, 0 crashes, \(String(format: "%.1f", t)) s"
    )
}
