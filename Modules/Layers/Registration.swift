import PluginRegistry

/// Registers Unroll's layers and losses.
///
/// A plugin registers its own layer the same way, from its own module:
/// ```swift
/// public enum AcmeLayers: PluginModule {
///     public static func register(in r: inout Registry) throws {
///         try r.register(LayersPlugins.layer(Highway.self, "Highway layer: y = t ⊙ h + (1 − t) ⊙ x"))
///     }
/// }
/// ```
public enum LayersPlugins: PluginModule {
    public static func register(in r: inout Registry) throws {
        try r.register(layer(Dense.self, "Fully connected layer on the last axis: f(x·W + b)"))
        try r.register(layer(Activation.self, "Applies an activation function"))
        try r.register(layer(Dropout.self, "Inverted dropout (training only)"))
        try r.register(layer(Embedding.self, "Token ids → vectors; optional pretrained, frozen, mask_zero"))
        try r.register(layer(OneHot.self, "Token ids → one-hot vectors"))
        try r.register(layer(RepeatVector.self, "[batch, features] → [batch, n, features]"))
        try r.register(
            layer(GlobalMaxPooling1D.self, "Maximum over time of [batch, time, features], honouring the mask"))
        try r.register(
            layer(GlobalAveragePooling1D.self, "Mean over time of [batch, time, features], honouring the mask"))
        try r.register(layer(Concatenate.self, "Joins several inputs along an axis (graphs)"))
        try r.register(layer(Attention.self, "Luong attention of a query sequence over a value sequence (graphs)"))
        try r.register(
            layer(AttentionLSTM.self, "LSTM decoder attending over a memory each step, with input feeding (graphs)"))
        try r.register(layer(Add.self, "Sum of several inputs of one shape (graphs)"))
        try r.register(layer(Multiply.self, "Elementwise product of several inputs of one shape (graphs)"))
        try r.register(layer(Average.self, "Mean of several inputs of one shape (graphs)"))
        try r.register(layer(SimpleRNN.self, "Elman RNN: h_t = f(x_t·W + h_{t−1}·U + b)"))
        try r.register(layer(LSTM.self, "Long short-term memory (Keras gate order i, f, c, o)"))
        try r.register(layer(GRU.self, "Gated recurrent unit (Keras reset_after variant)"))
        try r.register(
            .configured(
                .layer, Bidirectional.typeName, summary: "Runs a recurrent layer both ways and merges the outputs",
                config: Bidirectional.Config.self
            ) { c, name, registry in
                // The wrapped layer is looked up by name, so plugin recurrent layers can be wrapped too.
                try Bidirectional(config: c, name: name) { type, fields, instance in
                    guard registry.contains(.layer, type) else {
                        throw LayerError.config(
                            layer: name, field: "layer.type", message: "\(try registry.entry(.layer, type))")
                    }
                    guard
                        let l = try registry.make(
                            .layer, type, config: fields, instanceName: instance, as: (any Layer).self)
                            as? any RecurrentLayer
                    else {
                        throw LayerError.config(
                            layer: name, field: "layer.type", message: "'\(type)' is not a recurrent layer")
                    }
                    return l
                }
            })

        try r.register(
            .configured(
                .loss, BinaryCrossEntropy.typeName, summary: "−[y log p + (1−y) log(1−p)]", config: LogitsOption.self
            ) { c, _ in BinaryCrossEntropy(fromLogits: c.fromLogits) })
        try r.register(
            .configured(
                .loss, CategoricalCrossEntropy.typeName, summary: "−Σ y log softmax, one-hot targets",
                config: CrossEntropyOptions.self
            ) { c, _ in try CategoricalCrossEntropy(fromLogits: c.fromLogits, labelSmoothing: c.labelSmoothing) })
        try r.register(
            .configured(
                .loss, SparseCategoricalCrossEntropy.typeName, summary: "cross-entropy with class-index targets",
                config: CrossEntropyOptions.self
            ) { c, _ in try SparseCategoricalCrossEntropy(fromLogits: c.fromLogits, labelSmoothing: c.labelSmoothing) })
        for name in [MeanSquaredError.typeName, "mse"] {  // Keras's short name too
            try r.register(
                .configured(.loss, name, summary: "mean of (p − y)²", config: NoOptions.self) { _, _ in
                    MeanSquaredError()
                })
        }
        try r.register(
            .configured(
                .loss, SumOfSquares.typeName, summary: "the notes' Σ(a − y)² per example", config: NoOptions.self
            ) { _, _ in SumOfSquares() })
    }

    /// A registry entry for a layer type: its fields come from `L.Config`, instances from `init(config:name:)`.
    public static func layer<L: Layer>(_ type: L.Type, _ summary: String) -> PluginEntry {
        .configured(.layer, L.typeName, summary: summary, config: L.Config.self) { c, name in
            try L(config: c, name: name)
        }
    }
}

/// Config of the categorical cross-entropy losses.
public struct CrossEntropyOptions: PluginConfig {
    /// Predictions are logits (the loss applies the softmax itself, stably).
    public var fromLogits = false
    /// The share of each target spread evenly over the classes, in [0, 1) (0: none).
    public var labelSmoothing: Float = 0
    public init() {}
    public static var fieldDocs: [String: String] {
        [
            "from_logits": "predictions are logits, not probabilities",
            "label_smoothing": "train against (1 − s)·target + s/classes, s in [0, 1) (PyTorch's label_smoothing)",
        ]
    }
}

/// Config of the binary cross-entropy loss.
public struct LogitsOption: PluginConfig {
    /// Predictions are logits (the loss applies the sigmoid/softmax itself, stably).
    public var fromLogits = false
    public init() {}
    public static var fieldDocs: [String: String] { ["from_logits": "predictions are logits, not probabilities"] }
}

/// A config with no fields.
public struct NoOptions: PluginConfig { public init() {} }

extension Dense.Config {
    public static var fieldDocs: [String: String] {
        ["units": "output size", "activation": "applied after x·W + b", "use_bias": "add a bias vector"]
    }
}
extension Embedding.Config {
    public static var fieldDocs: [String: String] {
        [
            "input_dim": "vocabulary size (largest id + 1); a spec may omit it: the data's vocabulary size is used",
            "output_dim": "vector size", "mask_zero": "id 0 is padding: masked in recurrent layers and losses",
            "trainable": "update the vectors in training (false for frozen GloVe)",
        ]
    }
}
extension Dropout.Config {
    public static var fieldDocs: [String: String] { ["rate": "fraction dropped in training, in [0, 1)"] }
}
extension Activation.Config { public static var fieldDocs: [String: String] { ["activation": "the function"] } }
extension Bidirectional.Config {
    public static var fieldDocs: [String: String] {
        [
            "layer": "the wrapped recurrent layer: {type: LSTM, units: …, …}",
            "merge_mode": "how the two directions combine",
        ]
    }
}
extension RecurrentLayerConfig {
    public static var fieldDocs: [String: String] {
        [
            "units": "hidden size",
            "return_sequences": "output every step [batch, time, units] instead of the last [batch, units]",
            "return_state": "also return the final states (library API)",
            "go_backwards": "process the sequence in reverse",
            "stateful": "carry the final state into the next batch", "dropout": "dropout rate on the inputs",
            "recurrent_dropout": "dropout rate on h_{t−1}", "bptt_steps": "truncated BPTT chunk length (0 = full)",
            "activation": "tanh, relu or sigmoid", "unit_forget_bias": "forget-gate bias starts at 1",
        ]
    }
}
