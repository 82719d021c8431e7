import Foundation
import Layers
import Specs
import Tensors
import Training

extension RNNBench {
    /// (i) The model of `Examples/g2p-cmudict-attention.yaml`, built from that spec file (its
    /// data read from `dictionary`), on (h)'s batches of real CMUdict lengths: letters →
    /// Embedding(64) → three Bidirectional LSTM(192) layers (dropout 0.3 on each one's input,
    /// recurrent dropout 0.2 on its states); the last one's joined final states start an LSTM(384)
    /// decoder over `<start>` and the phonemes (the same dropouts); dot attention; [decoder,
    /// context] → Dense(384, tanh) → Dropout(0.3) → Dense(72, softmax) per step; the spec's loss
    /// (label smoothing 0.1); batch 128. The example's gradient clipping is left out here, as in
    /// `compare_torch.py`'s model.
    static func g2pExample(dictionary: URL, batches: [(x: Tensor, y: Tensor)]) throws -> Case {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let registry = try Builtins.registry()
        let spec = try SpecLoader(registry: registry).load(
            root.appendingPathComponent("Examples/g2p-cmudict-attention.yaml"),
            overrides: [SpecOverride("data.path=\(dictionary.path)")])
        guard let loss = spec.loss.made as? any Loss else { throw TaskError("the G2P example's loss is not a Loss") }
        // Forward FLOPs of the example's sizes at full padding (for the nominal share of peak).
        let (B, S, T, H, E, phonemes) = (128, 20, 21, 192, 64, 72)
        let encoder = 2.0 * 2.0 * Double(B * S) * (Double(E + H) + 2 * Double(2 * H + H)) * Double(4 * H)
        let decoding = 2.0 * Double(B * T) * Double(E + 2 * H) * Double(8 * H)
        let attention = 2.0 * 2.0 * Double(B * T * S * 2 * H)
        let dense = 2.0 * Double(B * T) * Double(4 * H * 2 * H + 2 * H * phonemes)
        return Case(
            name: "(i) G2P example (3 × Bidirectional LSTM(192), LSTM(384) decoder, dot attention, tanh layer, "
                + "dropout 0.3, recurrent dropout 0.2, label smoothing 0.1) on (h)'s batches",
            build: { try spec.buildModel(registry: registry, data: try spec.prepareData(), log: { _ in }) },
            x: batches[0].x, y: batches[0].y, loss: loss,
            forwardFLOPs: encoder + decoding + attention + dense, more: Array(batches.dropFirst()))
    }
}
