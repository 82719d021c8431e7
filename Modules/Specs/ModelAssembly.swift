import Foundation
import PluginRegistry
import Tensors
import Layers
import Training
import TextPipeline
import Datasets

extension Spec {
    /// Builds the model for the data: fills Embedding `input_dim` / OneHot `depth` when the spec
    /// left them out, checks the output width against the classes, and loads pretrained vectors.
    public func buildModel(registry: Registry, data: PreparedData, log: (String) -> Void = { print($0) }) throws -> Sequential {
        var layers: [any Layer] = []
        for spec in self.layers {
            let config = data.vocabularySize.map { Spec.fillingDataSize(spec.type, spec.config, $0) } ?? spec.config
            layers.append(try registry.make(.layer, spec.type, config: config, instanceName: spec.name, as: (any Layer).self))
        }
        let model: Sequential
        do { model = try Sequential(inputShape: data.inputShape, layers: layers, seed: seed, name: name) } catch let ModelError.shape(layer, index, _, _, underlying) {
            throw mismatch(self.layers[index].node, underlying, layer: layer)
        }
        try checkMemory(model, batch: min(batchSize, max(1, data.xTrain.shape.first ?? 1)))
        // The output must fit the labels.
        let last = self.layers[self.layers.count - 1]
        let width = model.outputShape.last ?? 0
        let want = loss.name == BinaryCrossEntropy.typeName ? 1 : data.classNames.count
        if width != want {
            let what = data.perStep ? "\(data.classNames.count) symbols per step" : "\(data.classNames.count) classes (\(data.classNames.prefix(6).joined(separator: ", "))\(data.classNames.count > 6 ? ", …" : ""))"
            throw mismatch(last.node, "\(last.name) returns \(width) value\(width == 1 ? "" : "s") per \(data.perStep ? "step" : "example") but the data has \(what)",
                           layer: last.name, hint: "set units: \(want) on \(last.name)")
        }
        if data.form == .tagged, !(model.layers.first.map { ($0 as? Embedding)?.config.maskZero == true } ?? false) {
            throw mismatch(self.layers[0].node, "tagging data is padded to sequence_length; padded steps would count in the loss",
                           hint: "make the first layer Embedding with mask_zero: true")
        }
        if let emb = text?.embeddings { try loadEmbeddings(emb, model: model, data: data, log: log) }
        return model
    }

    /// Refuses a model whose weights (with gradients and optimizer state) and one batch's layer
    /// outputs (with their gradients) need more than this machine's memory: an error at the layer
    /// with the largest output instead of a failed allocation in the first step.
    func checkMemory(_ model: Sequential, batch: Int) throws {
        let limit = MemoryBudget.physicalBytes
        var total = 0, largest = (index: 0, bytes: 0), overflow = false
        func add(_ bytes: Int?) {
            guard let bytes else { overflow = true; return }
            let (sum, o) = total.addingReportingOverflow(bytes)
            if o { overflow = true } else { total = sum }
        }
        for p in model.layers.flatMap(\.namedParameters) { add(MemoryBudget.elementCount([p.parameter.count, MemoryBudget.bytesPerParameter])) }
        for (i, shape) in model.layerOutputShapes.enumerated() {
            let bytes = MemoryBudget.elementCount([batch] + shape + [8])     // Float value + gradient
            if (bytes ?? .max) > largest.bytes { largest = (i, bytes ?? .max) }
            add(bytes)
        }
        guard overflow || total > limit else { return }
        let layer = model.layers[largest.index]
        let shape = Validator.render(model.layerOutputShapes[largest.index]).replacingOccurrences(of: "batch", with: "\(batch)")
        throw mismatch(self.layers[largest.index].node,
                       "training needs \(overflow ? "more memory than can be counted" : "about \(MemoryBudget.describe(bytes: total))") for the weights and one batch's layer outputs, more than this machine's \(MemoryBudget.describe(bytes: limit)); the largest output is \(layer.name)'s \(shape)",
                       layer: layer.name, hint: "lower batch_size (batches of \(batch) here) or the size of \(layer.name)")
    }

    func loadEmbeddings(_ e: EmbeddingsSpec, model: Sequential, data: PreparedData, log: (String) -> Void) throws {
        guard let pipeline = data.pipeline else { throw mismatch(e.node, "pretrained embeddings need text data") }
        let target = e.layer.flatMap { model.layer(named: $0) } ?? model.layers.first { $0 is Embedding }
        guard let layer = target as? Embedding else {
            throw mismatch(e.node, e.layer.map { "no Embedding layer named \($0)" } ?? "the model has no Embedding layer to hold the vectors")
        }
        let url = e.path.hasPrefix("/") ? URL(fileURLWithPath: e.path) : baseDirectory.appendingPathComponent(e.path).standardizedFileURL
        let vectors = try GloVe.load(url, keeping: Set(pipeline.vocabulary.tokens))
        guard vectors.dimension == layer.config.outputDim else {
            throw mismatch(layers.first { $0.name == layer.name }?.node ?? e.node, "output_dim is \(layer.config.outputDim) but \(url.lastPathComponent) has \(vectors.dimension)-d vectors",
                           layer: layer.name, hint: "set output_dim: \(vectors.dimension) on \(layer.name)")
        }
        let (matrix, coverage) = GloVe.embeddingMatrix(vectors, vocabulary: pipeline.vocabulary, missing: e.missing, corpusCounts: data.tokenCounts)
        try layer.setWeights(matrix)
        log("pretrained vectors \(url.lastPathComponent) → \(layer.name)\(layer.config.trainable ? "" : " (frozen)"): \(coverage)")
    }
}

extension Spec {
    /// The model with placeholder data sizes (no data read), for `unroll summary SPEC`.
    public func summaryModel(registry: Registry) throws -> Sequential {
        let shape: [Int]
        switch data.source.form {
        case .texts, .tagged: shape = [text?.sequenceLength ?? 1]
        case .characters: shape = [windows?.length ?? 1]
        case .numeric: shape = [1]
        }
        let layers = try self.layers.map { s -> any Layer in
            let c = Spec.fillingDataSize(s.type, s.config, text?.maxTokens ?? 2)
            return try registry.make(.layer, s.type, config: c, instanceName: s.name, as: (any Layer).self)
        }
        return try Sequential(inputShape: shape, layers: layers, seed: seed, name: name)
    }
}

extension Spec {
    /// Config fields whose value the data decides when a spec leaves them out: the size of the id
    /// space fed to the first layer (vocabulary or alphabet).
    static let dataSizedFields = [Embedding.typeName: "input_dim", OneHot.typeName: "depth"]

    /// `config` with its data-sized field (if the type has one and the spec left it out) set to `size`.
    static func fillingDataSize(_ type: String, _ config: [String: Any], _ size: Int) -> [String: Any] {
        guard let field = dataSizedFields[type], config[field] == nil else { return config }
        return config.merging([field: size]) { a, _ in a }
    }

    /// Loads `weights:` (if given) into the built model; names and shapes must match exactly.
    public func loadInitialWeights(into model: Sequential) throws {
        guard let weights else { return }
        do { try Checkpoint.loadWeights(model, from: weights) } catch {
            throw mismatch(root["weights"] ?? root, "\(error)")
        }
    }
}
