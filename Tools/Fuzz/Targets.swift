import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import Specs
import Tensors
import TextPipeline
import Training

/// One parser of outside input, run on bytes: a thrown error is a good outcome (the input was
/// refused with a message); a crash is a bug.
struct Target {
    let name: String
    /// Built-in seeds (the corpus folder adds more).
    let seeds: [Data]
    let run: (Data) throws -> Void
}

/// The targets, with a scratch folder and a small trained bundle to fuzz files into.
struct Targets {
    let scratch: URL
    let registry: Registry
    let bundle: URL
    /// One small bundle per `spec_build` seed (a model of each task), for `predict_input`.
    let taskBundles: [URL]

    init() throws {
        let shm = URL(fileURLWithPath: "/dev/shm")
        let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        scratch = base.appendingPathComponent("unroll-fuzz-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        registry = try Builtins.registry()
        // A small text classifier with checkpoints: the model.json, pipeline.json, manifest and
        // checkpoint state to mutate.
        let rows = (0..<40).map { i in i % 2 == 0 ? "good fine \(i % 5)\tpos" : "bad dull \(i % 3)\tneg" }
        try Data(("text\tlabel\n" + rows.joined(separator: "\n") + "\n").utf8).write(
            to: scratch.appendingPathComponent("t.tsv"))
        let spec = scratch.appendingPathComponent("t.yaml")
        try Data(
            """
            data: {source: delimited, path: t.tsv, text_column: text, label_column: label}
            text: {sequence_length: 4, tokenizer: {type: words, ngrams: 2}}
            model: [{type: Embedding, output_dim: 3, mask_zero: true}, {type: GRU, units: 3}, {type: Dense, units: 2, activation: softmax}]
            loss: sparse_categorical_crossentropy
            epochs: 1
            callbacks: [{type: model_checkpoint}]
            verbosity: quiet
            output: bundle
            """.utf8
        ).write(to: spec)
        var runner = Runner(registry: registry)
        runner.log = { _ in }
        bundle = try runner.train(spec).bundle
        // The small files `spec_build`'s specs read.
        let pairs = (0..<30).map { i in "\(i * 7 % 100)\t\(String(String(i * 7 % 100).reversed()))" }
        try Data((pairs.joined(separator: "\n") + "\n").utf8).write(to: scratch.appendingPathComponent("pairs.tsv"))
        let series = (1...60).map { t in "\(t),\(Double(t % 4) + 0.1 * Double(t))" }
        try Data(("t,value\n" + series.joined(separator: "\n") + "\n").utf8).write(
            to: scratch.appendingPathComponent("series.csv"))
        try Data(String(repeating: "the cat sat on a mat. ", count: 20).utf8).write(
            to: scratch.appendingPathComponent("chars.txt"))
        try Data(String(repeating: "the\tDET\ncat\tNOUN\nsat\tVERB\n\na\tDET\nmat\tNOUN\n\n", count: 10).utf8).write(
            to: scratch.appendingPathComponent("tags.txt"))
        var trained: [URL] = []
        for (k, text) in Self.buildSeeds.enumerated() {
            let url = scratch.appendingPathComponent("task-\(k).yaml")
            try Data((text + "\nepochs: 1\nverbosity: quiet\noutput: task-\(k)\n").utf8).write(to: url)
            trained.append(try runner.train(url).bundle)
        }
        taskBundles = trained
    }

    func file(_ name: String, _ data: Data) throws -> URL {
        let u = scratch.appendingPathComponent(name)
        try data.write(to: u)
        return u
    }

    func bundleFile(_ name: String) -> Data { (try? Data(contentsOf: bundle.appendingPathComponent(name))) ?? Data() }

    /// The working copy of the bundle (`manifest.json` kept only with `keepManifest`) with `name`
    /// replaced by `data`; the copy is made once, and `restore` puts the original file back.
    func bundleWith(_ name: String, _ data: Data, keepManifest: Bool = false) throws -> URL {
        let copy = scratch.appendingPathComponent(keepManifest ? "copy-manifest" : "copy")
        if !FileManager.default.fileExists(atPath: copy.path) {
            try FileManager.default.copyItem(at: bundle, to: copy)
            if !keepManifest {
                try FileManager.default.removeItem(at: copy.appendingPathComponent(BundleManifest.fileName))
            }
        }
        try data.write(to: copy.appendingPathComponent(name))
        return copy
    }

    /// Runs `body` on the working copy with `name` replaced, then restores the original.
    func withBundle(_ name: String, _ data: Data, keepManifest: Bool = false, _ body: (URL) throws -> Void) throws {
        let copy = try bundleWith(name, data, keepManifest: keepManifest)
        defer { try? bundleFile(name).write(to: copy.appendingPathComponent(name)) }
        try body(copy)
    }

    /// The targets' names, in order (without building the bundle).
    static let names = [
        "spec", "delimited", "numeric", "glove", "tagging", "pairs", "cmudict", "series", "vocabulary", "safetensors",
        "model_json", "pipeline_json", "manifest", "checkpoint_state", "spec_build", "predict_input",
    ]

    var all: [Target] {
        var runner = Runner(registry: registry)
        runner.log = { _ in }
        let examples = ((try? FileManager.default.contentsOfDirectory(atPath: "Examples")) ?? []).filter {
            $0.hasSuffix(".yaml")
        }.sorted()
            .compactMap { FileManager.default.contents(atPath: "Examples/\($0)") }
        let d = { (s: String) in Data(s.utf8) }
        let trainer = (try? ModelBundle.load(bundle, registry: registry)).map {
            Trainer(model: $0.model, loss: SparseCategoricalCrossEntropy(), optimizer: Adam())
        }!
        return [
            Target(
                name: "spec",
                seeds: examples + [
                    d(
                        "{\"data\": {\"source\": \"numeric_csv\", \"path\": \"x.csv\"}, \"model\": [{\"type\": \"Dense\", \"units\": 2}], \"loss\": \"mean_squared_error\"}"
                    )
                ]
                    // and the examples with a value or two changed (validation reads no data)
                    + ValueVariants.make(
                        from: examples.map { String(decoding: $0, as: UTF8.self) }, count: 2000, seed: 2
                    ).map(d)
            ) { data in
                _ = try SpecLoader(registry: registry).load(try file("spec.yaml", data))
            },
            Target(
                name: "delimited",
                seeds: [bundleFile("../t.tsv"), d("a,b\n\"x, y\",1\n\"q\"\"r\",2\n"), d("text\tlabel\nfine\tpos\n")]
            ) { data in
                let t = try DelimitedTable.load(try file("d.tsv", data), onBadRecord: .skip).table
                _ = try LabeledTextSet.fromTable(
                    t, textColumn: t.columns.first ?? "text", labelColumn: t.columns.last ?? "label")
            },
            Target(name: "numeric", seeds: [d("0.5,1,0\n0.25,2,1\n1e3,3,2\n")]) { data in
                _ = try NumericTable.load(try file("n.csv", data))
            },
            Target(name: "glove", seeds: [d("the 0.1 -0.2 0.3\nfilm 1 2 3\n"), d("a 1e-3 2.5E+2\n")]) { data in
                _ = try GloVe.load(try file("g.txt", data))
            },
            Target(name: "tagging", seeds: [d("The\tDET\ncat\tNOUN\n\nruns\tVERB\n")]) { data in
                _ = try TaggedSentences.load(try file("tags.tsv", data), onBadRecord: .skip)
            },
            Target(name: "pairs", seeds: [d("535+61\t596\nab\tba\n\n"), d("speech\tS P IY CH\n")]) { data in
                _ = try SequencePairs.load(try file("p.tsv", data), onBadRecord: .skip)
            },
            Target(
                name: "cmudict",
                seeds: [d("'bout B AW1 T\naalborg AO1 L B AO0 R G # place, danish\nread(2) R EH1 D\n")]
            ) { data in
                _ = try SequencePairs.cmudict(try file("c.dict", data), alternatives: true, onBadRecord: .skip)
            },
            Target(name: "series", seeds: [d("date,co2\n19580329,316.1\n19580405,\n19580412,317.6\n")]) { data in
                _ = try NumericSeries.load(try file("s.csv", data), timeColumn: "date", missing: .interpolate)
            },
            Target(name: "vocabulary", seeds: [bundleFile("vocabulary.txt")]) { data in
                _ = try Vocabulary.load(from: try file("v.txt", data))
            },
            Target(
                name: "safetensors",
                seeds: [
                    bundleFile("weights.safetensors"), bundleFile("optimizer.safetensors"),
                    bundleFile("test.safetensors"),
                ]
            ) { data in
                _ = try SafeTensors.decode(data)
            },
            Target(name: "model_json", seeds: [bundleFile("model.json")]) { data in
                try withBundle("model.json", data) { _ = try runner.predict(bundle: $0, texts: ["good film", ""]) }
            },
            Target(name: "pipeline_json", seeds: [bundleFile("pipeline.json")]) { data in
                try withBundle("pipeline.json", data) { _ = try runner.predict(bundle: $0, texts: ["good film", ""]) }
            },
            Target(name: "manifest", seeds: [bundleFile(BundleManifest.fileName)]) { data in
                try withBundle(BundleManifest.fileName, data, keepManifest: true) {
                    _ = try ModelBundle.load($0, registry: registry)
                }
            },
            Target(
                name: "checkpoint_state",
                seeds: [bundleFile("checkpoints/epoch-0001/state.json"), bundleFile("checkpoints/latest.json")]
            ) { data in
                // A short object is taken as latest.json, anything else as the epoch's state.json.
                let name =
                    data.first == UInt8(ascii: "{") && data.count < 40
                    ? "checkpoints/latest.json" : "checkpoints/epoch-0001/state.json"
                try withBundle(name, data) { copy in
                    _ = try Checkpoint.resume(trainer: trainer, from: copy.appendingPathComponent("checkpoints"))
                }
            },
            Target(
                name: "spec_build",
                seeds: (Self.buildSeeds + ValueVariants.make(from: Self.buildSeeds, count: 3000, seed: 1)).map(d)
            ) { data in
                // A spec over the scratch folder's small files: its data encoded, its model built
                // and run forward on two examples, as `train` does before its first step. The
                // seeds are the specs, then 3,000 of them with a value or two changed.
                let spec = try SpecLoader(registry: registry).load(try file("build.yaml", data))
                let prepared = try spec.prepareData()
                let model = try spec.buildModel(registry: registry, data: prepared, log: { _ in })
                let rows = min(2, prepared.xTrain.shape[0])
                guard rows > 0 else { return }
                _ = try withNoGrad { try model.predict(try prepared.xTrain.slice(axis: 0, start: 0, length: rows)) }
            },
            Target(
                name: "predict_input",
                seeds: [
                    d("good fine 3\n\nbad"), d("35\n1,2,3,4,5,6\n"), d("the cat sat\n"), d("7 1\n0.5,x,1e39,-1,2,3"),
                ]
            ) { data in
                // Lines as `predict` reads them, given to a bundle of each task; the first line is
                // also traced and, for the character model, a prime to sample from.
                let lines = String(decoding: data, as: UTF8.self).split(
                    separator: "\n", omittingEmptySubsequences: false
                )
                .map(String.init)
                var predicted = 0
                for b in taskBundles {
                    if (try? runner.predict(bundle: b, texts: lines)) != nil { predicted += 1 }
                    _ = try? runner.trace(b, input: lines.first ?? "")
                    _ = try? runner.generate(bundle: b, prime: lines.first ?? "", length: 3, temperature: 0.7, seed: 1)
                }
                if predicted == 0 { throw TaskError("no bundle predicted these lines") }  // counted as refused
            },
        ]
    }

    /// `spec_build`'s seeds: one spec per task, each over a small file the scratch folder holds.
    static var buildSeeds: [String] {
        [
            """
            data: {source: delimited, path: t.tsv, text_column: text, label_column: label}
            text: {sequence_length: 4}
            model: [{type: Embedding, output_dim: 3, mask_zero: true}, {type: LSTM, units: 3}, {type: Dense, units: 2, activation: softmax}]
            loss: sparse_categorical_crossentropy
            """,
            """
            data: {source: pairs, path: pairs.tsv}
            task: {type: sequence_to_sequence, beam_width: 2}
            graph:
              nodes:
                - {name: src, type: Embedding, output_dim: 4, mask_zero: true, inputs: [source]}
                - {name: enc, type: Bidirectional, layer: {type: GRU, units: 3, return_sequences: true}}
                - {name: tgt, type: Embedding, output_dim: 4, mask_zero: true, inputs: [target_in]}
                - {name: dec, type: LSTM, units: 6, return_sequences: true, inputs: [tgt]}
                - {name: att, type: Attention, inputs: [dec, enc]}
                - {name: both, type: Concatenate, inputs: [dec, att]}
                - {name: out, type: Dense, units: 14, activation: softmax}
            loss: sparse_categorical_crossentropy
            """,
            """
            data: {source: series, path: series.csv, time_column: t}
            task: {type: forecasting, lookback: 6, horizon: 2, season: 4}
            model: [{type: SimpleRNN, units: 4}, {type: Dense, units: 2}]
            loss: mse
            """,
            """
            data: {source: characters, path: chars.txt}
            windows: {length: 8, stride: 3}
            model: [{type: Embedding, output_dim: 4}, {type: GRU, units: 5, return_sequences: true}, {type: Dense, units: 11}]
            loss: {type: sparse_categorical_crossentropy, from_logits: true}
            """,
            """
            data: {source: tagging, path: tags.txt}
            text: {sequence_length: 5}
            model: [{type: Embedding, output_dim: 3, mask_zero: true}, {type: Bidirectional, layer: {type: SimpleRNN, units: 2, return_sequences: true}}, {type: Dense, units: 4, activation: softmax}]
            loss: sparse_categorical_crossentropy
            """,
        ]
    }
}
