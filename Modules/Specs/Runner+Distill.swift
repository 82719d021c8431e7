import Foundation
import Training

/// `unroll distill`.
extension Runner {
    /// What `distill` wrote.
    public struct Distilled {
        /// The training inputs decoded, and how many decoded to nothing (left out of the file).
        public var decoded: Int, empty: Int
        public var file: URL
    }

    /// Decodes the training inputs of `spec`'s data (its training part, validation included, no
    /// test example) with the bundle at `dir` and the `ensemble`, and writes one
    /// `input<TAB>decoded` line each to `output` (atomically): the `train_targets` of a student
    /// trained on a teacher's beam-search outputs (sequence-level knowledge distillation).
    ///
    /// ```
    /// unroll distill runs/g2p-seed1 Examples/g2p-cmudict-attention.yaml --ensemble runs/g2p-seed2 \
    ///     --output runs/g2p-teacher.tsv
    /// ```
    /// `overrides` change the spec's values before it is read, as `train --set` does.
    public func distill(
        bundle dir: URL, spec specURL: URL, overrides: [SpecOverride] = [], output: URL, chunk: Int = 8192
    ) throws -> Distilled {
        let b = try loadBundle(dir)
        let spec = try SpecLoader(registry: registry).load(specURL, overrides: overrides)
        try Runner.checkSameTask(b, spec, command: "distill")
        let inputs = try b.task.trainingInputs(try spec.data.source.load(relativeTo: spec.baseDirectory), spec: spec)
        let models = try ensembleModels(with: b, at: dir)
        var lines = ""
        var (decoded, empty) = (0, 0)
        for start in stride(from: 0, to: inputs.count, by: max(1, chunk)) {
            let part = Array(inputs[start..<min(inputs.count, start + max(1, chunk))])
            for p in try b.task.predict(b, ensemble: models, lines: part, registry: registry) {
                guard !p.label.isEmpty else {
                    empty += 1
                    continue
                }
                // A tab or line break would split the line where the student's reader does not.
                for (field, text) in [("training input", p.text), ("decoding", p.label)]
                where text.unicodeScalars.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
                    throw TaskError(
                        "distill: the \(field) \(text.debugDescription) holds a tab or line break, which an "
                            + "input<TAB>output line of \(output.lastPathComponent) cannot hold; nothing was written")
                }
                lines += "\(p.text)\t\(p.label)\n"
            }
            decoded += part.count
            log("distill: \(decoded) of \(inputs.count) training inputs decoded")
        }
        try AtomicFile.write(Data(lines.utf8), to: output)
        log(
            "wrote \(decoded - empty) pairs to \(output.path)"
                + (empty > 0 ? " (\(empty) inputs decoded to nothing, left out)" : "")
                + "; train a student with task: {train_targets: \(output.lastPathComponent)}")
        return Distilled(decoded: decoded, empty: empty, file: output)
    }
}
