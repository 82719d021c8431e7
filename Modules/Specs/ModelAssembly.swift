import Datasets
import Foundation
import Layers
import PluginRegistry
import Tensors
import TextPipeline
import Training

extension Spec {
    /// Builds the model for the data: fills data-sized fields (Embedding `input_dim`, OneHot
    /// `depth`) the spec left out, checks the output width and the model against the task, and
    /// loads pretrained vectors.
    public func buildModel(registry: Registry, data: PreparedData, log: (String) -> Void = { print($0) }) throws
        -> Model
    {
        let model: Model
        do {
            model = try makeModel(
                registry: registry, inputShape: data.inputShape, inputParts: data.inputParts,
                dataSize: data.vocabularySize)
        } catch let ModelError.shape(layer, index, _, _, underlying) {
            throw mismatch(self.layers[index].node, underlying, layer: layer)
        }
        try checkMemory(
            model, batch: min(batchSize, max(1, data.xTrain.shape.first ?? 1)),
            evaluationBatch: min(max(256, batchSize), max(1, data.xTest.shape.first ?? 1)))
        // The output must fit the labels.
        let last = self.layers[self.layers.count - 1]
        let width = model.outputShape.last ?? 0
        let want = task.outputWidth(for: data, loss: loss.made as? any Loss)
        if width != want {
            let what =
                data.perStep
                ? "\(data.classNames.count) symbols per step"
                : "\(data.classNames.count) classes (\(data.classNames.prefix(6).joined(separator: ", "))\(data.classNames.count > 6 ? ", …" : ""))"
            throw mismatch(
                last.node,
                "\(last.name) returns \(width) value\(width == 1 ? "" : "s") per \(data.perStep ? "step" : "example") but the data has \(what)",
                layer: last.name, hint: "set units: \(want) on \(last.name)")
        }
        try task.check(model, spec: self, data: data)
        if let emb = text?.embeddings { try loadEmbeddings(emb, model: model, data: data, log: log) }
        return model
    }

    /// Refuses a model that needs more than this machine's memory, before the first step: the
    /// weights (with gradients and optimizer state) plus, for the larger of training and
    /// evaluation, one batch's layer outputs and working buffers (`Layer.workingScalars`: a
    /// recurrent layer's per-step gates and states) — with gradients when training, at
    /// `evaluationBatch` rows (`max(256, batch_size)`, as `train` evaluates) when evaluating. The
    /// error points at the layer that needs most.
    func checkMemory(_ model: Model, batch: Int, evaluationBatch: Int) throws {
        let limit = MemoryBudget.physicalBytes
        var weights = 0
        var overflow = false
        func add(_ a: Int, _ b: Int?) -> Int {
            guard let b else {
                overflow = true
                return a
            }
            let (s, o) = a.addingReportingOverflow(b)
            if o {
                overflow = true
                return a
            }
            return s
        }
        for p in model.namedParameters {
            weights = add(weights, MemoryBudget.elementCount([p.parameter.count, MemoryBudget.bytesPerParameter]))
        }
        // Scalars each layer holds per example: its output and its working buffers.
        let perExample = model.nodes.map { n -> Int? in
            let out = MemoryBudget.elementCount(n.outputShape) ?? .max
            let (s, o) = out.addingReportingOverflow(n.layer.workingScalars(inputShape: n.inputShapes.first ?? []))
            return o ? nil : s
        }
        var phases: [(name: String, rows: Int, bytes: Int)] = []
        // Bytes per scalar: a value and its gradient when training, the value alone when evaluating.
        for (name, rows, bytesPerScalar) in [("training", batch, 8), ("evaluation", evaluationBatch, 4)] {
            var total = weights
            for n in perExample {
                total = add(total, n.flatMap { MemoryBudget.elementCount([rows, $0, bytesPerScalar]) })
            }
            phases.append((name, rows, total))
        }
        let worst = phases.max { $0.bytes < $1.bytes }!
        guard overflow || worst.bytes > limit else { return }
        let largest = perExample.indices.max { (perExample[$0] ?? .max) < (perExample[$1] ?? .max) }!
        let layer = model.nodes[largest].layer
        let shape = Validator.render(model.layerOutputShapes[largest]).replacingOccurrences(
            of: "batch", with: "\(worst.rows)")
        throw mismatch(
            self.layers[largest].node,
            "\(worst.name) needs \(overflow ? "more memory than can be counted" : "about \(MemoryBudget.describe(bytes: worst.bytes))") for the weights and one batch of \(worst.rows) (layer outputs and working buffers), more than this machine's \(MemoryBudget.describe(bytes: limit)); \(layer.name), with output \(shape), needs most",
            layer: layer.name,
            hint:
                "lower batch_size (batches of \(batch) train, \(evaluationBatch) evaluate), the sequence length, or the size of \(layer.name)"
        )
    }

    func loadEmbeddings(_ e: EmbeddingsSpec, model: Model, data: PreparedData, log: (String) -> Void) throws {
        guard let pipeline = data.pipeline else { throw mismatch(e.node, "pretrained embeddings need text data") }
        let target =
            e.layer.flatMap { model.layer(named: $0) } ?? model.layers.first { $0 is any TakesPretrainedVectors }
        guard let layer = target as? any TakesPretrainedVectors else {
            throw mismatch(
                e.node,
                e.layer.map { "no layer named \($0) that takes pretrained vectors" }
                    ?? "the model has no layer that takes pretrained vectors (an Embedding)")
        }
        let url =
            e.path.hasPrefix("/")
            ? URL(fileURLWithPath: e.path) : baseDirectory.appendingPathComponent(e.path).standardizedFileURL
        let vectors = try GloVe.load(url, keeping: Set(pipeline.vocabulary.tokens))
        guard vectors.dimension == layer.vectorSize else {
            throw mismatch(
                layers.first { $0.name == layer.name }?.node ?? e.node,
                "output_dim is \(layer.vectorSize) but \(url.lastPathComponent) has \(vectors.dimension)-d vectors",
                layer: layer.name, hint: "set output_dim: \(vectors.dimension) on \(layer.name)")
        }
        let (matrix, coverage) = GloVe.embeddingMatrix(
            vectors, vocabulary: pipeline.vocabulary, missing: e.missing, corpusCounts: data.tokenCounts)
        try layer.setVectors(matrix)
        log(
            "pretrained vectors \(url.lastPathComponent) → \(layer.name)\(layer.vectorsTrainable ? "" : " (frozen)"): \(coverage)"
        )
    }
}

extension Spec {
    /// `unroll summary SPEC`: the model with the sizes the data decides (the vocabulary or
    /// alphabet, a numeric file's feature count) when the data files can be read — the data is
    /// read and encoded, no pretrained vectors are loaded — and otherwise with those layers'
    /// counts and the totals printed as `?`, with the reason. Never a made-up count.
    public func summary(registry: Registry) throws -> String {
        let (model, unknown, reason) = try summarized(registry: registry)
        guard let reason else { return model.summary() }
        return model.summary(unknown: unknown) + " (the data was not read: \(reason))\n"
    }

    /// `unroll summary SPEC --json`: `Model.summaryObject`, with `data_not_read` giving the reason
    /// when counts are unknown.
    public func summaryObject(registry: Registry) throws -> [String: Any] {
        let (model, unknown, reason) = try summarized(registry: registry)
        var object = model.summaryObject(unknown: unknown)
        if let reason { object["data_not_read"] = reason }
        return object
    }

    /// The model for a summary, the layers whose counts are unknown, and why (nil when the data was read).
    func summarized(registry: Registry) throws -> (Model, Set<String>, String?) {
        do {
            let data = try prepareData()
            let model = try makeModel(
                registry: registry, inputShape: data.inputShape, inputParts: data.inputParts,
                dataSize: data.vocabularySize)
            return (model, [], nil)
        } catch let e as SpecErrors {
            throw e
        } catch {
            let model = try summaryModel(registry: registry)
            // Layers whose size the spec leaves to the data, and for numeric data those reading the input.
            var unknown = Set(
                layers.filter { l in
                    l.share == nil
                        && (try? registry.entry(.layer, l.type))?.dataSizedField.map { l.config[$0] == nil } == true
                }.map(\.name))
            if task.inputSizeFromData {
                for n in model.nodes where n.inputs.contains(-1) { unknown.insert(n.layer.name) }
            }
            return (model, unknown, unknown.isEmpty ? nil : "\(error)")
        }
    }

    /// The model with placeholder data sizes (no data read).
    public func summaryModel(registry: Registry) throws -> Model {
        let sections = TaskSections(text: text, windows: windows)
        let shape = (try? task.inputShape(sections)) ?? [1]  // validated: never nil
        return try makeModel(
            registry: registry, inputShape: shape, inputParts: task.inputParts(sections), dataSize: text?.maxTokens ?? 2
        )
    }

    /// The spec's layers (the `model:` chain, or the `graph:` nodes with their inputs and shared
    /// layers), made through the registry and built for `inputShape`; data-sized fields the spec
    /// left out are `dataSize`.
    func makeModel(registry: Registry, inputShape: [Int], inputParts: [Model.InputPart] = [], dataSize: Int?) throws
        -> Model
    {
        var made: [String: any Layer] = [:]
        var nodes: [Model.NodeSpec] = []
        for spec in layers {
            if let shared = spec.share, let layer = made[shared] {
                nodes.append(Model.NodeSpec(layer, inputs: spec.inputs ?? [], name: spec.name))
                continue
            }
            let config =
                dataSize.map { Spec.fillingDataSize(spec.type, spec.config, $0, registry: registry) } ?? spec.config
            let layer = try registry.make(
                .layer, spec.type, config: config, instanceName: spec.name, as: (any Layer).self)
            made[spec.name] = layer
            nodes.append(
                Model.NodeSpec(layer, inputs: spec.inputs ?? [nodes.last?.name ?? Model.inputName], name: spec.name))
        }
        if isGraph {
            return try Model(inputShape: inputShape, nodes: nodes, inputParts: inputParts, seed: seed, name: name)
        }
        return try Sequential(inputShape: inputShape, layers: nodes.map(\.layer), seed: seed, name: name)
    }
}

extension Spec {
    /// `config` with its data-sized field (`PluginConfig.dataSizedField`: the size of the id space
    /// fed to the layer, the vocabulary or alphabet), if the type declares one and the spec left it
    /// out, set to `size`.
    static func fillingDataSize(_ type: String, _ config: [String: Any], _ size: Int, registry: Registry) -> [String:
        Any]
    {
        guard let field = (try? registry.entry(.layer, type))?.dataSizedField, config[field] == nil else {
            return config
        }
        return config.merging([field: size]) { a, _ in a }
    }

    /// Loads `weights:` (if given) into the built model; names and shapes must match exactly.
    public func loadInitialWeights(into model: Model) throws {
        guard let weights else { return }
        do { try Checkpoint.loadWeights(model, from: weights) } catch {
            throw mismatch(root["weights"] ?? root, "\(error)")
        }
    }
}
