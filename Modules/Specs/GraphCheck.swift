import Datasets
import Foundation
import Layers
import PluginRegistry
import Training

/// `graph:` — a model as nodes that call layers on the input and on each other (Keras's
/// functional API):
///
/// ```yaml
/// graph:
///   nodes:
///     - {name: emb, type: Embedding, output_dim: 50, mask_zero: true}        # reads the input
///     - {name: seq, type: Bidirectional, layer: {type: GRU, units: 64, return_sequences: true}}
///     - {name: max, type: GlobalMaxPooling1D, inputs: [seq]}
///     - {name: mean, type: GlobalAveragePooling1D, inputs: [seq]}
///     - {name: both, type: Concatenate, inputs: [max, mean]}
///     - {name: out, type: Dense, units: 2, activation: softmax}             # reads 'both'
/// ```
///
/// A node's `inputs` default to the node above it (the input, for the first), so nodes without
/// `inputs` form a chain. `share: <node>` calls that node's layer again with its weights. The last
/// node is the output. A node may read only `input` and nodes above it.
extension Validator {
    mutating func graph(_ node: SpecNode) -> [LayerSpec] {
        guard let pairs = map(node, "graph") else { return [] }
        checkKeys(pairs, allowed: ["nodes"], section: "graph")
        guard let nodesNode = node["nodes"] else {
            issue(node, "graph needs 'nodes' (a list of {name, type, inputs, …})")
            return []
        }
        guard let items = list(nodesNode, "graph.nodes") else { return [] }
        if items.isEmpty { issue(nodesNode, "graph needs at least one node") }
        // Names: given, or Keras's for the layer type; a share node without a name gets `<shared>_<k>`.
        let types = items.map { $0["type"]?.string ?? "layer" }
        let given = items.map { item -> String? in
            item["share"] != nil && item["name"] == nil ? "\u{0}share" : item["name"]?.string
        }
        var names = Model.layerNames(types: types, given: given)
        var calls: [String: Int] = [:]
        var out: [LayerSpec] = []
        for (i, item) in items.enumerated() {
            guard var pairs = map(item, "a graph node") else { continue }
            var inputs = i == 0 ? [Model.inputName] : [names[i - 1]]
            if let inNode = item["inputs"] {
                if let s = inNode.string {
                    inputs = [s]
                } else if let l = list(inNode, "inputs") {
                    let named = l.compactMap { stringValue($0, "a node name") }
                    if l.isEmpty {
                        issue(inNode, "inputs needs at least one node name (or leave it out: the node above)")
                    }
                    if !named.isEmpty { inputs = named }  // else reported; the default keeps the shape check going
                }
            }
            pairs.removeAll { ["name", "inputs"].contains($0.key) }
            if let shareNode = item["share"] {
                guard let shared = stringValue(shareNode, "the name of an earlier node") else { continue }
                guard let target = out.first(where: { $0.name == shared }) else {
                    let s = Registry.suggestions(for: shared, among: out.map(\.name))
                    issue(
                        shareNode, "no node above is named '\(shared)'", hint: s.first.map { "did you mean '\($0)'?" })
                    continue
                }
                let extra = pairs.filter { $0.key != "share" }.map(\.key)
                if !extra.isEmpty {
                    issue(
                        item,
                        "a share node calls '\(shared)' again and takes no layer fields (found \(extra.joined(separator: ", ")))"
                    )
                }
                let base = target.share ?? target.name
                calls[base, default: 1] += 1
                if given[i] == "\u{0}share" { names[i] = "\(base)_\(calls[base]!)" }
                out.append(
                    LayerSpec(
                        type: target.type, name: names[i], config: target.config, node: item, inputs: inputs,
                        share: base))
                continue
            }
            let trimmed = SpecNode(value: .map(pairs), line: item.line, column: item.column)
            let inject = Spec.fillingDataSize(item["type"]?.string ?? "", [:], 2, registry: registry).filter {
                item[$0.key] == nil
            }
            let before = madeLayers.count
            guard let ref = plugin(trimmed, .layer, what: "a graph node", instanceName: names[i], inject: inject) else {
                continue
            }
            madeByNode[names[i]] = madeLayers.count > before ? madeLayers[before] : nil
            out.append(LayerSpec(type: ref.name, name: names[i], config: ref.config, node: item, inputs: inputs))
        }
        if Set(out.map(\.name)).count != out.count {
            let dup = Dictionary(grouping: out, by: \.name).first { $0.value.count > 1 }!
            issue(dup.value[1].node, "two nodes are named '\(dup.key)'")
        }
        return out
    }

    /// Shapes through the graph before any data is read: every input resolves to `input` or a
    /// node above, shared layers see one input shape, every node is used, and the output fits
    /// the labels.
    mutating func checkGraph(
        _ specs: [LayerSpec], task: any LearningTask, sections: TaskSections, loss: PluginRef?, dataNode: SpecNode
    ) {
        guard let input = inputShape(task: task, sections: sections, dataNode: dataNode), !specs.isEmpty
        else { return }
        var shapes: [String: [Int]] = [Model.inputName: input]
        for p in task.inputParts(sections) { shapes[p.name] = p.shape }
        var firstInputs: [String: [[Int]]] = [:]
        var used: Set<String> = []
        var stateShapes: [String: [String: [Int]]] = [:]
        var layers: [any Layer] = []
        if let clash = specs.first(where: { shapes[$0.name] != nil }) {
            let inputs = [Model.inputName] + task.inputParts(sections).map(\.name)
            issue(
                clash.node["name"] ?? clash.node,
                "a node cannot be named '\(clash.name)': the model's inputs are named \(inputs.joined(separator: ", "))"
            )
            return
        }
        for (i, spec) in specs.enumerated() {
            guard let layer = madeByNode[spec.share ?? spec.name] ?? nil else { return }  // already reported
            let inputsNode = spec.node["inputs"] ?? spec.node
            var inShapes: [[Int]] = []
            for name in spec.inputs ?? [] {
                // `<node>.<state>`: a final state of an earlier recurrent node.
                if shapes[name] == nil, let dot = name.lastIndex(of: "."),
                    let states = stateShapes[String(name[..<dot])]
                {
                    let node = String(name[..<dot])
                    let state = String(name[name.index(after: dot)...])
                    guard let shape = states[state] else {
                        issue(
                            inputsNode,
                            states.isEmpty
                                ? "\(spec.name) reads '\(name)', but \(node) gives no states (only recurrent layers do)"
                                : "\(spec.name) reads '\(name)', but \(node)'s states are \(states.keys.sorted().joined(separator: ", "))"
                        )
                        return
                    }
                    used.insert(node)
                    inShapes.append(shape)
                    continue
                }
                guard let s = shapes[name] else {
                    if specs[i...].contains(where: { $0.name == name }) {
                        issue(
                            inputsNode,
                            "\(spec.name) reads '\(name)', which is this node or one below it: a node reads only 'input' and nodes above it, so the graph has no cycles",
                            hint: "move '\(name)' above \(spec.name)")
                    } else {
                        let s = Registry.suggestions(for: name, among: [Model.inputName] + specs[..<i].map(\.name))
                        issue(
                            inputsNode, "\(spec.name) reads '\(name)', but no node above it and no input has that name",
                            hint: s.first.map { "did you mean '\($0)'?" })
                    }
                    return
                }
                used.insert(name)
                inShapes.append(s)
            }
            do {
                let out: [Int]
                if let m = layer as? any MultiInputLayer {
                    out = try m.outputShape(forInputs: inShapes)
                } else if let r = layer as? any ProducesStates {
                    let memories = (r as? any ReadsMemory)?.memoryInputCount ?? 0
                    if let d = r as? any ReadsMemory {
                        guard inShapes.count > memories else {
                            issue(inputsNode, "\(spec.name) (\(spec.type)) \(d.needsMemory)")
                            return
                        }
                        out = try d.outputShape(forInputs: Array(inShapes[...memories]))
                    } else {
                        out = try r.outputShape(for: inShapes[0])
                    }
                    let names = r.stateNames
                    let given = inShapes.count - 1 - memories
                    let ofStates = try r.stateShapes(for: inShapes[0])
                    stateShapes[spec.name] = Dictionary(zip(names, ofStates), uniquingKeysWith: { a, _ in a })
                    guard given == 0 || given == r.initialStateCount else {
                        issue(
                            inputsNode,
                            r.initialStateCount == 0
                                ? "\(spec.name) (\(spec.type)) takes one input and starts from no given state; given \(inShapes.count) inputs"
                                : "\(spec.name) (\(spec.type)) takes its sequence, \(memories == 0 ? "" : "then \(memories) memory sequence(s), ")then \(r.initialStateCount) initial state(s) (\(names.prefix(r.initialStateCount).joined(separator: ", "))); given \(given)"
                        )
                        return
                    }
                    let first = 1 + memories
                    if let k = inShapes.dropFirst(first).indices.first(where: { inShapes[$0] != ofStates[$0 - first] })
                    {
                        issue(
                            inputsNode,
                            "\(spec.name)'s initial state \(names[k - first]) must be \(Validator.render(ofStates[k - first])), but \(spec.inputs![k]) is \(Validator.render(inShapes[k]))"
                        )
                        return
                    }
                } else {
                    stateShapes[spec.name] = [:]
                    guard inShapes.count == 1 else {
                        issue(inputsNode, "\(spec.name) (\(spec.type)) takes one input, given \(inShapes.count)")
                        return
                    }
                    out = try layer.outputShape(for: inShapes[0])
                }
                let base = spec.share ?? spec.name
                if let first = firstInputs[base], first != inShapes {
                    issue(
                        spec.node,
                        "\(spec.name) calls \(base) on \(inShapes.map(Validator.render).joined(separator: " and ")), but \(base) takes \(first.map(Validator.render).joined(separator: " and "))"
                    )
                    return
                }
                firstInputs[base] = firstInputs[base] ?? inShapes
                shapes[spec.name] = out
                if spec.share == nil { layers.append(layer) }
            } catch {
                let from = (spec.inputs ?? []).map { $0 == Model.inputName ? "the input" : $0 }.joined(
                    separator: " and ")
                issue(
                    spec.node,
                    "\(spec.name) cannot take \(inShapes.map(Validator.render).joined(separator: " and ")) from \(from): \(error)"
                        .replacingOccurrences(of: ": \(spec.name): ", with: ": "))
                return
            }
        }
        for spec in specs.dropLast() where !used.contains(spec.name) {
            issue(
                spec.node, "\(spec.name) is not read by any node, so it does not reach the output (the last node)",
                hint: "remove it, or list it in a later node's inputs")
        }
        checkOutput(
            shapes[specs[specs.count - 1].name]!, last: specs[specs.count - 1], layers: layers, task: task, loss: loss)
    }
}
