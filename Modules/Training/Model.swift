import Layers
import Tensors

/// A model: layers called on the input and on each other's outputs — a chain (`Sequential`,
/// what `model:` lists in a spec) or a graph (Keras's functional API, a spec's `graph:`), built
/// at run time so a spec file can describe it. One class, one code path for fit, evaluate,
/// predict, checkpoints and bundles: a chain is the graph whose every node takes the one before.
///
/// Shapes are per example (no batch axis): `inputShape` `[100]` for 100 token ids, `[20, 300]`
/// for 20 steps of 300-d vectors, `[64]` for 64 features. Layers get Keras-style names when they
/// have none (`embedding_1`, `lstm_1`, `dense_2`).
///
/// ```swift
/// let model = try Sequential(inputShape: [100], layers: [
///     Embedding(inputDim: 1001, outputDim: 128), LSTM(units: 64),
///     Dense(units: 64, activation: .relu), Dense(units: 1, activation: .sigmoid)], seed: 42)
/// print(model.summary())      // 181,761 parameters
///
/// // a graph: two poolings of one sequence, concatenated
/// let g = try Model(inputShape: [40], nodes: [
///     .init(Embedding(inputDim: 500, outputDim: 8, maskZero: true), inputs: ["input"]),
///     .init(GRU(units: 16, returnSequences: true), inputs: ["embedding_1"]),
///     .init(GlobalMaxPooling1D(), inputs: ["gru_1"]), .init(GlobalAveragePooling1D(), inputs: ["gru_1"]),
///     .init(Concatenate(), inputs: ["global_max_pooling1_d_1", "global_average_pooling1_d_1"]),
///     .init(Dense(units: 2, activation: .softmax), inputs: ["concatenate_1"])], seed: 1)
/// ```
public typealias Sequential = Model

public final class Model {
    /// One call of a layer in the graph.
    public struct Node {
        /// The node's name: its layer's name, or `<layer>_<k>` for the k-th further call of a shared layer.
        public let name: String
        public let layer: any Layer
        /// The nodes it reads, by index (`-1` is the model's input), in the order the layer takes them.
        public let inputs: [Int]
        /// Which output of each input node it reads: 0 the node's output, `k` its k-th state
        /// (`enc.h` is state 1 of a recurrent node `enc`).
        public let inputPorts: [Int]
        /// Per-example input shapes and output shape.
        public let inputShapes: [[Int]]
        public let outputShape: [Int]
        /// The states later nodes can read as `<name>.<state>` (a `ProducesStates` layer's), and
        /// their per-example shapes.
        public let stateNames: [String]
        public let stateShapes: [[Int]]
    }

    /// How node `n` names its inputs: `input`, `<node>`, or `<node>.<state>`.
    public func inputNames(of n: Node) -> [String] {
        zip(n.inputs, n.inputPorts).map { k, port in
            k == -1
                ? Model.inputName
                : k < -1
                    ? inputParts[-2 - k].name
                    : port == 0 ? nodes[k].name : "\(nodes[k].name).\(nodes[k].stateNames[port - 1])"
        }
    }

    /// A node to build: a layer (new, or one already used by an earlier node, to share its
    /// weights) and the names of what it reads (`input`, or earlier nodes' names).
    public struct NodeSpec {
        public var layer: any Layer
        public var inputs: [String]
        /// The node's name; nil: the layer's name (`<layer>_<k>` for a shared layer's k-th call).
        public var name: String?
        public init(_ layer: any Layer, inputs: [String], name: String? = nil) {
            (self.layer, self.inputs, self.name) = (layer, inputs, name)
        }
    }

    /// A named part of the input (a seq2seq model's `source` and `target_in`): the input is the
    /// parts packed along its first per-example axis, in order, and nodes read a part by name.
    public struct InputPart: Codable, Equatable, Sendable {
        public var name: String
        /// Per-example shape; parts share every axis but the first.
        public var shape: [Int]
        public init(name: String, shape: [Int]) { (self.name, self.shape) = (name, shape) }
    }

    /// Part `q` of a packed input `x` `[examples, Σ parts' first axes, …]`, e.g. a seq2seq `source`.
    public func inputPart(_ q: Int, of x: Tensor) throws -> Tensor {
        let offset = inputParts[..<q].reduce(0) { $0 + $1.shape[0] }
        return try x.slice(axis: 1, start: offset, length: inputParts[q].shape[0])
    }

    /// The nodes in order; each reads only the input and nodes before it.
    public let nodes: [Node]
    /// The input's named parts (empty: one input, `input`).
    public let inputParts: [InputPart]
    /// The distinct layers, in order of first use, with unique names.
    public let layers: [any Layer]
    /// Per-example input shape.
    public let inputShape: [Int]
    /// The model's name in summaries.
    public var name: String
    /// Whether the model is a plain chain (every node reads the one before it).
    public let isChain: Bool

    /// Per-example output shape of each node (of each layer, for a chain).
    public var layerOutputShapes: [[Int]] { nodes.map(\.outputShape) }

    /// The chain: names unnamed layers, infers every shape (throwing at the first layer that does
    /// not fit, naming it and its input), and builds the parameters from `seed`.
    public convenience init(inputShape: [Int], layers: [any Layer], seed: UInt64 = 0, name: String = "sequential")
        throws
    {
        guard !layers.isEmpty else { throw ModelError.invalid("a model needs at least one layer") }
        let names = Model.layerNames(
            types: layers.map(\.typeName), given: layers.map { $0.name.isEmpty ? nil : $0.name })
        for (l, n) in zip(layers, names) { l.name = n }
        guard Set(names).count == layers.count else {
            throw ModelError.invalid("layer names must be unique: \(names)")
        }
        try self.init(
            inputShape: inputShape,
            nodes: layers.enumerated().map { i, l in NodeSpec(l, inputs: [i == 0 ? Model.inputName : names[i - 1]]) },
            seed: seed, name: name)
    }

    /// Runs a chain with the plain layer loop (default on); off, chains take the graph loop —
    /// for the benchmark comparing the two (`unroll-bench graph`). Same results either way.
    nonisolated(unsafe) public static var chainLoop = true

    /// The name nodes use for the model's input.
    public static let inputName = "input"

    /// The graph: nodes in order, each reading `input` or earlier nodes by name; the last node is
    /// the output. Unnamed layers get Keras names; a layer given to two nodes is built once and
    /// shares its weights (its later calls are named `<layer>_2`, …). A node may read an earlier
    /// recurrent node's final state as `<node>.h` (`.c` for LSTM; `ProducesStates`), and a
    /// recurrent node given inputs after its sequence starts from them (`[seq, enc.h, enc.c]`:
    /// Keras's `initial_state`). Throws at the first node that reads an unknown or later node, or
    /// whose layer does not fit its inputs' shapes.
    public init(
        inputShape: [Int], nodes specs: [NodeSpec], inputParts: [InputPart] = [], seed: UInt64 = 0,
        name: String = "model"
    ) throws {
        guard !specs.isEmpty else { throw ModelError.invalid("a model needs at least one layer") }
        if !inputParts.isEmpty {
            let trailing = Array(inputShape.dropFirst())
            guard inputParts.allSatisfy({ !$0.shape.isEmpty && Array($0.shape.dropFirst()) == trailing }),
                inputParts.reduce(0, { $0 + $1.shape[0] }) == inputShape.first,
                Set(inputParts.map(\.name)).count == inputParts.count,
                !inputParts.contains(where: { $0.name == Model.inputName })
            else {
                throw ModelError.invalid(
                    "input parts \(inputParts.map { "\($0.name) \($0.shape)" }) do not pack into the input \(inputShape) (distinct names, lengths adding up, the same other axes)"
                )
            }
        }
        var distinct: [any Layer] = []
        for s in specs where !distinct.contains(where: { $0 === s.layer }) { distinct.append(s.layer) }
        let names = Model.layerNames(
            types: distinct.map(\.typeName), given: distinct.map { $0.name.isEmpty ? nil : $0.name })
        for (l, n) in zip(distinct, names) { l.name = n }
        guard Set(names).count == distinct.count else {
            throw ModelError.invalid("layer names must be unique: \(names)")
        }
        var index: [String: Int] = [Model.inputName: -1]
        for (k, p) in inputParts.enumerated() { index[p.name] = -2 - k }
        var calls: [ObjectIdentifier: Int] = [:]
        var built: [Node] = []
        var rng = SeededGenerator(seed: seed)
        var layerInput: [ObjectIdentifier: [[Int]]] = [:]
        for (i, s) in specs.enumerated() {
            let l = s.layer
            let id = ObjectIdentifier(l)
            calls[id, default: 0] += 1
            let nodeName = s.name ?? (calls[id]! == 1 ? l.name : "\(l.name)_\(calls[id]!)")
            guard !s.inputs.isEmpty else {
                throw ModelError.invalid(
                    "node \(i) (\(nodeName)) reads no input: give it the input or nodes above it (inputs: [\"\(Model.inputName)\"])"
                )
            }
            let refs = try s.inputs.map { n -> (Int, Int) in
                if let k = index[n] { return (k, 0) }
                // `<node>.<state>`: a state of an earlier node.
                if let dot = n.lastIndex(of: "."), let k = index[String(n[..<dot])], k >= 0 {
                    let state = String(n[n.index(after: dot)...])
                    guard let p = built[k].stateNames.firstIndex(of: state) else {
                        throw ModelError.shape(
                            layer: nodeName, index: i, inputShape: [], from: n,
                            underlying: built[k].stateNames.isEmpty
                                ? "\(built[k].name) gives no states"
                                : "\(built[k].name) has states \(built[k].stateNames.joined(separator: ", ")), not '\(state)'"
                        )
                    }
                    return (k, p + 1)
                }
                let later = specs[(i + 1)...].contains { ($0.name ?? $0.layer.name) == n } || n == nodeName
                throw ModelError.shape(
                    layer: nodeName, index: i, inputShape: [], from: n,
                    underlying: later
                        ? "'\(n)' is this node or a later one: a node reads only the input and nodes above it (no cycles)"
                        : "no node or input is named '\(n)'")
            }
            let inputs = refs.map(\.0)
            let ports = refs.map(\.1)
            let shapes = refs.map { k, p in
                k == -1
                    ? inputShape
                    : k < -1 ? inputParts[-2 - k].shape : p == 0 ? built[k].outputShape : built[k].stateShapes[p - 1]
            }
            let from = s.inputs.joined(separator: " and ")
            do {
                let out: [Int]
                var states: (names: [String], shapes: [[Int]]) = ([], [])
                let memories = (l as? any ReadsMemory)?.memoryInputCount ?? 0
                if let m = l as? any MultiInputLayer {
                    out = try m.outputShape(forInputs: shapes)
                } else if let r = l as? any ProducesStates {
                    if let d = r as? any ReadsMemory {
                        guard shapes.count > memories else {
                            throw LayerError.shape(layer: l.name, message: d.needsMemory)
                        }
                        out = try d.outputShape(forInputs: Array(shapes[...memories]))
                    } else {
                        out = try r.outputShape(for: shapes[0])
                    }
                    states = (r.stateNames, try r.stateShapes(for: shapes[0]))
                    let given = shapes.count - 1 - memories
                    guard given == 0 || given == r.initialStateCount else {
                        throw LayerError.shape(
                            layer: l.name,
                            message: r.initialStateCount == 0
                                ? "takes one input (it starts from no given state), given \(shapes.count)"
                                : "takes its sequence, \(memories == 0 ? "" : "then \(memories) memory sequence(s), ")then \(r.initialStateCount) initial state(s) (\(r.stateNames.prefix(r.initialStateCount).joined(separator: ", "))), given \(given)"
                        )
                    }
                    for (k, shape) in shapes.dropFirst(1 + memories).enumerated() where shape != states.shapes[k] {
                        throw LayerError.shape(
                            layer: l.name,
                            message:
                                "initial state \(r.stateNames[k]) must be \(Model.render(states.shapes[k])), given \(Model.render(shape))"
                        )
                    }
                } else {
                    guard shapes.count == 1 else {
                        throw LayerError.shape(layer: l.name, message: "takes one input, given \(shapes.count)")
                    }
                    out = try l.outputShape(for: shapes[0])
                }
                if let first = layerInput[id] {
                    guard first == shapes else {
                        throw LayerError.shape(
                            layer: l.name,
                            message:
                                "is shared, and was built for \(first.map { Model.render($0) }.joined(separator: " and ")), not \(shapes.map { Model.render($0) }.joined(separator: " and "))"
                        )
                    }
                } else {
                    var layerRNG = rng.split()
                    if let d = l as? any ReadsMemory {
                        try d.build(inputShapes: Array(shapes[...memories]), rng: &layerRNG)
                    } else {
                        try l.build(inputShape: shapes[0], rng: &layerRNG)  // a merge layer has no weights
                    }
                    layerInput[id] = shapes
                }
                built.append(
                    Node(
                        name: nodeName, layer: l, inputs: inputs, inputPorts: ports, inputShapes: shapes,
                        outputShape: out, stateNames: states.names, stateShapes: states.shapes))
            } catch {
                throw ModelError.shape(
                    layer: nodeName, index: i, inputShape: shapes.count == 1 ? shapes[0] : [],
                    from: i == 0 && from == Model.inputName ? "the input" : from,
                    underlying: "\(error)")
            }
            guard index[nodeName] == nil else { throw ModelError.invalid("two nodes are named '\(nodeName)'") }
            index[nodeName] = i
        }
        self.nodes = built
        self.isChain = built.enumerated().allSatisfy {
            $0.element.inputs == [$0.offset - 1] && $0.element.inputPorts == [0]
        }
        self.layers = distinct
        self.inputShape = inputShape
        self.inputParts = inputParts
        self.name = name
    }

    static func render(_ shape: [Int]) -> String { "[batch\(shape.map { ", \($0)" }.joined())]" }

    /// Names for layers of the given types: a given name is kept, others get Keras-style
    /// `<snake_case type>_<n>` (`lstm_1`, `dense_2`, `simple_rnn_1`; plugins drop their namespace).
    public static func layerNames(types: [String], given: [String?]) -> [String] {
        var counts: [String: Int] = [:]
        var used = Set(given.compactMap { $0 })
        return zip(types, given).map { type, name in
            if let name { return name }
            let base = LayerConfigCoding.snakeCase(String(type.split(separator: ".").last ?? "layer"))
            var n: String
            repeat {
                counts[base, default: 0] += 1
                n = "\(base)_\(counts[base]!)"
            } while used.contains(n)
            used.insert(n)
            return n
        }
    }

    /// Per-example output shape (the last node's).
    public var outputShape: [Int] { nodes.last?.outputShape ?? inputShape }

    /// Every parameter with its dotted name, in layer order. Found by reflection once, after
    /// `init` built every layer (layers hold their `Parameter` objects in `let` properties and
    /// change only their values), so a training step does not reflect over the model again.
    public var namedParameters: [(name: String, parameter: Parameter)] { cachedParameters }
    private lazy var cachedParameters: [(name: String, parameter: Parameter)] = layers.flatMap(\.namedParameters)

    /// The parameters an optimizer updates.
    public var trainableParameters: [(name: String, parameter: Parameter)] {
        namedParameters.filter { $0.parameter.trainable }
    }
}
