import Datasets
import Foundation
import Training

/// `train_targets`: other targets for the training pairs, read from a pairs file — a teacher's
/// decodings of the training sources, for sequence-level knowledge distillation (Kim & Rush,
/// 2016: a student trained on a teacher's beam-search outputs). Only training pairs change: the
/// validation pairs (early stopping) and the test pairs keep the data's own targets, and a test
/// source in the file is an error, since a teacher's decoding of a test source would leak the
/// test part into training.
extension SequenceToSequenceTask {
    /// Replaces the targets of the pairs `training` (indices into `tokenized`) whose source the
    /// `train_targets` file lists; returns the note for the `data:` line. A file target longer
    /// than `targetLength` leaves the pair's own (counted), so the rows and the validation split
    /// stay those of the data.
    func replaceTargets(
        of training: [Int], in tokenized: inout [([String], [String])], pairs: SequencePairs, test: [Int],
        targetLength: Int, spec: Spec
    ) throws -> String {
        let node = spec.root["task"]?["train_targets"] ?? spec.root["task"] ?? spec.root
        let url =
            trainTargets.hasPrefix("/")
            ? URL(fileURLWithPath: trainTargets)
            : spec.baseDirectory.appendingPathComponent(trainTargets).standardizedFileURL
        let file: SequencePairs
        do { file = try SequencePairs.load(url) } catch let e as DataError {
            if case .record = e { throw e }  // names the file and line already
            throw spec.mismatch(node, "train_targets: \(e)")
        }
        var targets: [String: (target: String, line: Int)] = [:]
        for ((source, target), line) in zip(file.pairs, file.lines) {
            if let seen = targets[source], seen.target != target {
                throw DataError.record(
                    path: url.path, line: line,
                    message:
                        "'\(source)' already has the target '\(seen.target)' (line \(seen.line)); give one per source")
            }
            targets[source] = (target, line)
        }
        for i in test {
            if let leak = targets[pairs.pairs[i].source] {
                throw DataError.record(
                    path: url.path, line: leak.line,
                    message:
                        "'\(pairs.pairs[i].source)' is a test source: targets decoded for it would leak the test part into training"
                )
            }
        }
        var (replaced, changed, tooLong) = (0, 0, 0)
        let tokenizer = self.tokenizer(targetTokens)
        for i in training {
            guard let t = targets[pairs.pairs[i].source] else { continue }
            let tokens = tokenizer.tokenize(t.target)
            guard tokens.count <= targetLength else {
                tooLong += 1
                continue
            }
            if tokens != tokenized[i].1 { changed += 1 }
            tokenized[i].1 = tokens
            replaced += 1
        }
        guard replaced > 0 || tooLong > 0 else {
            throw spec.mismatch(
                node, "train_targets: none of the \(file.pairs.count) sources in \(url.path) is a training source")
        }
        var note =
            "\(replaced) of \(training.count) training targets from \(url.lastPathComponent) (\(changed) differ from the data's)"
        if tooLong > 0 { note += ", \(tooLong) longer than target_length \(targetLength) kept their own" }
        return note
    }
}
