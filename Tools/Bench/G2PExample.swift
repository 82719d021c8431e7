import Layers
import PluginRegistry
import Tensors
import Training

extension RNNBench {
    /// (i) The model of `Examples/g2p-cmudict-attention.yaml` as it is, on (h)'s batches of real
    /// CMUdict lengths: letters → Embedding(64) → three Bidirectional LSTM(192) layers (dropout
    /// 0.3 on each one's input); the last one's joined final states start an LSTM(384) decoder
    /// over `<start>` and the phonemes → Embedding(64) (dropout 0.3); dot attention over the
    /// encoder's steps; [decoder, context] → Dense(384, tanh) → Dropout(0.3) → Dense(72, softmax)
    /// per step; cross-entropy with label smoothing 0.1; batch 128. The example's gradient
    /// clipping is left out here, as in `compare_torch.py`'s model.
    static func g2pExample(batches: [(x: Tensor, y: Tensor)]) throws -> Case {
        let (B, S, T, H, E, phonemes) = (128, 20, 21, 192, 64, 72)
        func bidirectional(_ name: String, _ inputs: [String]) throws -> Model.NodeSpec {
            let lstm: [String: JSONValue] = [
                "units": .number(Double(H)), "return_sequences": .bool(true), "dropout": .number(0.3),
            ]
            return .init(try Bidirectional("LSTM", lstm), inputs: inputs, name: name)
        }
        var decoder = LSTM.Config()
        (decoder.units, decoder.returnSequences, decoder.dropout) = (2 * H, true, 0.3)
        let encoder = 2.0 * 2.0 * Double(B * S) * (Double(E + H) + 2 * Double(2 * H + H)) * Double(4 * H)
        let decoding = 2.0 * Double(B * T) * Double(E + 2 * H) * Double(8 * H)
        let attention = 2.0 * 2.0 * Double(B * T * S * 2 * H)
        let dense = 2.0 * Double(B * T) * Double(4 * H * 2 * H + 2 * H * phonemes)
        return Case(
            name: "(i) G2P example (3 × Bidirectional LSTM(192), LSTM(384) decoder, dot attention, tanh layer, "
                + "dropout 0.3, label smoothing 0.1) on (h)'s batches",
            build: {
                try Model(
                    inputShape: [S + T],
                    nodes: [
                        .init(
                            try Embedding(inputDim: phonemes, outputDim: E, maskZero: true), inputs: ["source"],
                            name: "letters"),
                        try bidirectional("encoder_0", ["letters"]),
                        try bidirectional("encoder_1", ["encoder_0"]),
                        try bidirectional("encoder", ["encoder_1"]),
                        .init(try Concatenate(), inputs: ["encoder.forward_h", "encoder.backward_h"], name: "start_h"),
                        .init(try Concatenate(), inputs: ["encoder.forward_c", "encoder.backward_c"], name: "start_c"),
                        .init(
                            try Embedding(inputDim: phonemes, outputDim: E, maskZero: true), inputs: ["target_in"],
                            name: "phonemes_so_far"),
                        .init(
                            try LSTM(config: decoder), inputs: ["phonemes_so_far", "start_h", "start_c"],
                            name: "decoder"),
                        .init(try Attention(score: .dot), inputs: ["decoder", "encoder"], name: "attention"),
                        .init(try Concatenate(), inputs: ["decoder", "attention"], name: "both"),
                        .init(Dense(units: 2 * H, activation: .tanh), inputs: ["both"], name: "attentional"),
                        .init(try Dropout(rate: 0.3), inputs: ["attentional"], name: "attentional_drop"),
                        .init(Dense(units: phonemes, activation: .softmax), inputs: ["attentional_drop"]),
                    ],
                    inputParts: [.init(name: "source", shape: [S]), .init(name: "target_in", shape: [T])], seed: 1)
            },
            x: batches[0].x, y: batches[0].y, loss: try SparseCategoricalCrossEntropy(labelSmoothing: 0.1),
            forwardFLOPs: encoder + decoding + attention + dense, more: Array(batches.dropFirst()))
    }
}
