import Datasets
import Foundation
import Layers
import TextPipeline
import Training

extension Validator {
    /// Whether a layer outputs one vector per time step (nil: not a recurrent layer).
    static func returnsSequences(_ l: any Layer) -> Bool? {
        if let r = l as? any RecurrentLayer { return r.config.returnSequences }
        if let b = l as? Bidirectional { return b.forwardLayer.config.returnSequences }
        return nil
    }

    static func render(_ shape: [Int]) -> String { "[batch\(shape.map { ", \($0)" }.joined())]" }

    /// The per-example input shape the data will have (placeholders where only the data can tell).
    mutating func inputShape(form: DataForm, text: TextSpec?, windows: WindowSpec?, dataNode: SpecNode) -> [Int]? {
        switch form {
        case .texts, .tagged:
            guard let text else {
                issue(dataNode, "\(form.rawValue) data needs a 'text' section (steps, tokenizer, sequence_length)")
                return nil
            }
            return [text.sequenceLength]
        case .characters:
            guard let windows else {
                issue(dataNode, "character data needs a 'windows' section (length, stride)")
                return nil
            }
            return [windows.length]
        case .numeric:
            return [1]  // the feature count is known once the file is read; only rank matters here
        }
    }

    /// Infers shapes through the model and checks the output against what the data's labels need.
    mutating func checkModel(
        _ specs: [LayerSpec], form: DataForm, text: TextSpec?, windows: WindowSpec?, loss: PluginRef?,
        dataNode: SpecNode
    ) {
        guard var shape = inputShape(form: form, text: text, windows: windows, dataNode: dataNode) else { return }
        let layers = madeLayers.compactMap { $0 }
        guard layers.count == specs.count else { return }  // some layer already failed to build
        for (i, (l, spec)) in zip(layers, specs).enumerated() {
            do {
                shape = try l.outputShape(for: shape)
            } catch {
                var hint: String? = nil
                if Validator.returnsSequences(l) != nil, i > 0, Validator.returnsSequences(layers[i - 1]) == false {
                    hint = "set return_sequences: true on \(layers[i - 1].name)"
                }
                let from = i == 0 ? "the input" : layers[i - 1].name
                issue(
                    spec.node,
                    "\(l.name) cannot take \(Validator.render(shape)) from \(from): \(error)".replacingOccurrences(
                        of: ": \(l.name): ", with: ": "),
                    layer: nil, hint: hint)
                return
            }
        }
        checkOutput(shape, last: specs[specs.count - 1], layers: layers, form: form, loss: loss)
    }

    /// The model's output shape against what the data's labels and the loss need.
    mutating func checkOutput(_ shape: [Int], last: LayerSpec, layers: [any Layer], form: DataForm, loss: PluginRef?) {
        let perExample = form == .texts || form == .numeric
        let lastRecurrent = layers.last { Validator.returnsSequences($0) != nil }
        if perExample && shape.count >= 2 {
            issue(
                last.node,
                "\(last.name) returns \(Validator.render(shape)) (one output per time step) but the labels are one per example",
                hint: lastRecurrent.map { "set return_sequences: false on \($0.name)" }
                    ?? "end the model with a layer that returns [batch, classes]")
        } else if !perExample && shape.count == 1 {
            issue(
                last.node,
                "\(last.name) returns \(Validator.render(shape)) but \(form.rawValue) data has a target at every time step",
                hint: lastRecurrent.map { "set return_sequences: true on \($0.name)" }
                    ?? "use a recurrent layer with return_sequences: true")
        }
        if let loss, (loss.made as? any Loss)?.targets == .binary, perExample, shape.count == 1, shape[0] != 1 {
            issue(
                last.node,
                "\(loss.name) needs one output per example but \(last.name) returns \(Validator.render(shape))",
                hint: "set units: 1 on \(last.name) (with sigmoid), or use sparse_categorical_crossentropy with softmax"
            )
        }
    }
}
