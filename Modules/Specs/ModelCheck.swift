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
    mutating func inputShape(task: any LearningTask, sections: TaskSections, dataNode: SpecNode) -> [Int]? {
        do { return try task.inputShape(sections) } catch {
            issue(dataNode, "\(error)")
            return nil
        }
    }

    /// Infers shapes through the model and checks the output against what the data's labels need.
    mutating func checkModel(
        _ specs: [LayerSpec], task: any LearningTask, sections: TaskSections, loss: PluginRef?, dataNode: SpecNode
    ) {
        guard var shape = inputShape(task: task, sections: sections, dataNode: dataNode) else { return }
        // Some layer already failed to build: the shapes past it would only mislead.
        guard madeLayers.count == specs.count, !madeLayers.contains(where: { $0 == nil }) else { return }
        let layers = madeLayers.compactMap { $0 }
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
        checkOutput(shape, last: specs[specs.count - 1], layers: layers, task: task, loss: loss)
    }

    /// The model's output shape against what the data's labels and the loss need.
    mutating func checkOutput(
        _ shape: [Int], last: LayerSpec, layers: [any Layer], task: any LearningTask, loss: PluginRef?
    ) {
        let perExample = !task.perStep
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
                "\(last.name) returns \(Validator.render(shape)) but the task has a target at every time step",
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
