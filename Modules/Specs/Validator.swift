import Datasets
import Foundation
import Layers
import Optimizers
import PluginRegistry
import TextPipeline
import Training

/// Collects positioned issues while reading a spec.
struct Validator {
    let file: String
    let registry: Registry
    var issues: [SpecIssue] = []
    /// Layer instances made while validating `model:` (same order as the layer specs).
    var madeLayers: [(any Layer)?] = []
    /// Layer instances made while validating `graph:`, by node name.
    var madeByNode: [String: (any Layer)?] = [:]

    init(file: String, registry: Registry) {
        self.file = file
        self.registry = registry
    }

    mutating func issue(_ node: SpecNode, _ message: String, layer: String? = nil, hint: String? = nil) {
        let given = node.setBy.map { " (given by --set \($0))" } ?? ""
        issues.append(
            SpecIssue(
                file: file, line: node.line, column: node.column, layer: layer, message: message + given, hint: hint))
    }

    // MARK: Shapes of values

    mutating func map(_ node: SpecNode, _ what: String) -> [(key: String, keyNode: SpecNode, value: SpecNode)]? {
        guard let p = node.mapPairs else {
            issue(node, "\(what) must be a mapping (key: value lines), found \(node.typeName)")
            return nil
        }
        return p
    }

    mutating func list(_ node: SpecNode, _ what: String) -> [SpecNode]? {
        guard let l = node.list else {
            issue(node, "\(what) must be a list, found \(node.typeName)")
            return nil
        }
        return l
    }

    mutating func checkKeys(
        _ pairs: [(key: String, keyNode: SpecNode, value: SpecNode)], allowed: [String], section: String
    ) {
        for p in pairs where !allowed.contains(p.key) {
            let s = Registry.suggestions(for: p.key, among: allowed)
            issue(
                p.keyNode, "unknown key '\(p.key)' in \(section)",
                hint: s.isEmpty ? "allowed: \(allowed.joined(separator: ", "))" : "did you mean '\(s[0])'?")
        }
    }

    mutating func stringValue(_ node: SpecNode, _ what: String) -> String? {
        guard let s = node.string else {
            issue(node, "expected \(what), found \(node.typeName)")
            return nil
        }
        return s
    }

    mutating func string(_ parent: SpecNode, _ key: String) -> String? {
        parent[key].flatMap { stringValue($0, "'\(key)' to be a string") }
    }

    mutating func bool(_ parent: SpecNode, _ key: String) -> Bool? {
        guard let n = parent[key] else { return nil }
        guard let b = n.bool else {
            issue(n, "'\(key)' must be true or false, found \(n.typeName)")
            return nil
        }
        return b
    }

    mutating func int(_ parent: SpecNode, _ key: String, min: Int? = nil) -> Int? {
        guard let n = parent[key] else { return nil }
        guard let i = n.int else {
            issue(n, "'\(key)' must be an integer, found \(n.typeName)")
            return nil
        }
        if let min, i < min {
            issue(n, "'\(key)' must be at least \(min), found \(i)")
            return nil
        }
        return i
    }

    mutating func number(_ parent: SpecNode, _ key: String, range: ClosedRange<Double>? = nil) -> Double? {
        guard let n = parent[key] else { return nil }
        guard let d = n.number else {
            issue(n, "'\(key)' must be a number, found \(n.typeName)")
            return nil
        }
        if let range, !range.contains(d) {
            issue(n, "'\(key)' must be in \(range.lowerBound)…\(range.upperBound), found \(d)")
            return nil
        }
        return d
    }

    // MARK: Plugins

    /// `name` or `{type: name, field: value, …}` (the type key may be named otherwise, e.g. `source`).
    mutating func plugin(
        _ node: SpecNode, _ kind: PluginKind, what: String, typeKey: String = "type", instanceName: String = "",
        inject: [String: Any] = [:]
    ) -> PluginRef? {
        let name: String
        let config: [String: Any]
        let pairs: [(key: String, keyNode: SpecNode, value: SpecNode)]
        if let s = node.string {
            name = s
            config = [:]
            pairs = []
        } else if let p = node.mapPairs {
            guard let t = node[typeKey] else {
                issue(node, "\(what) needs '\(typeKey): <name>'")
                return nil
            }
            let kindName = kind.rawValue.replacingOccurrences(of: "_", with: " ")
            guard let s = stringValue(t, "\("aeiou".contains(kindName.first!) ? "an" : "a") \(kindName) name") else {
                return nil
            }
            name = s
            pairs = p.filter { $0.key != typeKey }
            config = Dictionary(pairs.map { ($0.key, $0.value.foundation) }, uniquingKeysWith: { a, _ in a })
        } else {
            issue(node, "\(what) must be a name or a mapping with '\(typeKey)', found \(node.typeName)")
            return nil
        }
        guard let entry = try? registry.entry(kind, name) else {
            let e = RegistryError.unknown(
                kind: kind, name: name, suggestions: Registry.suggestions(for: name, among: registry.names(kind)))
            issue(node[typeKey] ?? node, "\(e)", layer: kind == .layer && !instanceName.isEmpty ? instanceName : nil)
            return nil
        }
        let made: Any
        do {
            made = try entry.makeWithRegistry(config.merging(inject) { a, _ in a }, instanceName, registry)
            if kind == .layer { madeLayers.append(made as? any Layer) }
        } catch {
            if kind == .layer { madeLayers.append(nil) }
            report(error, node: node, pairs: pairs, entry: entry, layer: kind == .layer ? instanceName : nil)
            return nil
        }
        return PluginRef(name: name, config: config, node: node, made: made)
    }

    /// What `ref`'s factory made, as `T`; a factory that makes something else (a plugin
    /// registered under the wrong kind) is an issue at the reference, not a dropped step or a crash.
    mutating func made<T>(_ ref: PluginRef, as _: T.Type, kind: PluginKind, typeKey: String = "type") -> T? {
        if let t = ref.made as? T { return t }
        let what = kind.rawValue.replacingOccurrences(of: "_", with: " ")
        issue(
            ref.node[typeKey] ?? ref.node,
            "'\(ref.name)' is registered as a \(what) but its factory made \(ref.made.map { "\(type(of: $0))" } ?? "nothing"), not a \(T.self)",
            hint: "the plugin registers it under the wrong kind; fix the plugin's registration")
        return nil
    }

    /// Maps a config error to the key or value it is about.
    mutating func report(
        _ error: Error, node: SpecNode, pairs: [(key: String, keyNode: SpecNode, value: SpecNode)], entry: PluginEntry,
        layer: String?
    ) {
        func value(_ field: String) -> SpecNode {
            pairs.first { $0.key == field.split(separator: ".").first.map(String.init) ?? field }?.value ?? node
        }
        let fieldList = entry.fields.map(\.name)
        switch error {
        case ConfigError.unknownField(let f, let allowed):
            let s = Registry.suggestions(for: f, among: allowed)
            issue(
                pairs.first { $0.key == f }?.keyNode ?? node, "unknown field '\(f)' for \(entry.name)", layer: layer,
                hint: s.isEmpty ? "fields: \(allowed.joined(separator: ", "))" : "did you mean '\(s[0])'?")
        case ConfigError.missingField(let f):
            issue(
                node, "\(entry.name) needs '\(f)'", layer: layer,
                hint: entry.fields.first { $0.name == f }.map { "\(f): \($0.doc.isEmpty ? $0.type : $0.doc)" })
        case ConfigError.wrongType(let f, let message):
            let expected = entry.fields.first { $0.name == f }?.type
            // A misspelt choice (`missing: interpolat`): say which one was meant.
            var hint: String? = nil
            if let expected, expected.hasPrefix("one of "), let given = value(f).string {
                let choices = expected.dropFirst("one of ".count).split(separator: "|").map(String.init)
                hint = Registry.suggestions(for: given, among: choices).first.map { "did you mean '\($0)'?" }
            }
            issue(
                value(f),
                "'\(f)' "
                    + (expected.map { e in
                        let found = e.hasPrefix("one of ") ? value(f).string.map { "'\($0)'" } : nil
                        return "must be \(article(e)), found \(found ?? value(f).typeName)"
                    } ?? message),
                layer: layer, hint: hint)
        case ConfigError.invalidValue(let f, let message):
            issue(value(f), "'\(f)' \(message)", layer: layer)
        case LayerError.config(_, let f, let message):
            issue(value(f), "'\(f)' \(message)", layer: layer)
        default:
            issue(
                node, "\(error)", layer: layer,
                hint: fieldList.isEmpty ? nil : "fields: \(fieldList.joined(separator: ", "))")
        }
    }

    func article(_ type: String) -> String {
        switch type {
        case "int": return "an integer"
        case "number": return "a number"
        case "bool": return "true or false"
        case "string": return "a string"
        case "object": return "a mapping"
        default: return type
        }
    }

    // MARK: Sections

    mutating func data(_ node: SpecNode) -> DataSpec? {
        guard map(node, "data") != nil else { return nil }
        guard let ref = plugin(node, .datasetSource, what: "data", typeKey: "source"),
            let source = made(ref, as: (any DatasetSource).self, kind: .datasetSource, typeKey: "source")
        else { return nil }
        return DataSpec(sourceName: ref.name, source: source, node: node)
    }

    /// `task:` (a name, or a mapping with `type:` and the task's fields), or the default task for
    /// the data source's form; the task must read that form.
    mutating func task(_ node: SpecNode?, data: DataSpec) -> (
        name: String, task: any LearningTask, config: [String: Any]
    )? {
        let form = data.source.form
        guard let node else {
            do {
                let (name, task) = try registry.defaultTask(for: form)
                return (name, task, [:])
            } catch {
                issue(data.node, "\(error)")
                return nil
            }
        }
        guard let ref = plugin(node, .task, what: "task"),
            let task = made(ref, as: (any LearningTask).self, kind: .task)
        else { return nil }
        guard task.reads(form) else {
            issue(
                node, "task \(ref.name) cannot read \(form) data (from source \(data.sourceName))",
                hint: (try? registry.defaultTask(for: form)).map { "for \(form) data use task: \($0.name)" })
            return nil
        }
        return (ref.name, task, ref.config)
    }

    mutating func split(_ node: SpecNode) -> SplitSpec {
        var s = SplitSpec()
        guard let pairs = map(node, "split") else { return s }
        checkKeys(pairs, allowed: ["test", "validation", "seed"], section: "split")
        if let t = number(node, "test", range: 0...0.95) { s.test = t }
        if let v = number(node, "validation", range: 0...0.95) { s.validation = v }
        if let seed = int(node, "seed", min: 0) { s.seed = UInt64(seed) }
        return s
    }

    mutating func windows(_ node: SpecNode) -> WindowSpec? {
        guard let pairs = map(node, "windows") else { return nil }
        checkKeys(pairs, allowed: ["length", "stride", "limit"], section: "windows")
        guard node["length"] != nil else {
            issue(node, "windows needs 'length' (characters per training sequence)")
            return nil
        }
        guard let length = int(node, "length", min: 1) else { return nil }
        return WindowSpec(length: length, stride: int(node, "stride", min: 1) ?? 1, limit: int(node, "limit", min: 1))
    }

    mutating func text(_ node: SpecNode) -> TextSpec? {
        guard let pairs = map(node, "text") else { return nil }
        checkKeys(
            pairs,
            allowed: [
                "steps", "tokenizer", "max_tokens", "min_count", "vocabulary_ranking", "sequence_length", "padding",
                "truncating", "embeddings",
            ], section: "text")
        var steps: [CleaningStep] = []
        if let sn = node["steps"], let items = list(sn, "text.steps") {
            for item in items {
                if let ref = plugin(item, .cleaningStep, what: "a cleaning step"),
                    let step = made(ref, as: CleaningStep.self, kind: .cleaningStep)
                {
                    steps.append(step)
                }
            }
        }
        var tokenizer = Tokenizer.words(ngrams: 1, splitContractions: false)
        if let tn = node["tokenizer"], let ref = plugin(tn, .tokenizer, what: "tokenizer"),
            let t = made(ref, as: Tokenizer.self, kind: .tokenizer)
        {
            tokenizer = t
        }
        guard node["sequence_length"] != nil else {
            issue(node, "text needs 'sequence_length' (pad/truncate every text to this many tokens)")
            return nil
        }
        guard let length = int(node, "sequence_length", min: 1) else { return nil }
        func side(_ key: String) -> PadSide {
            guard let n = node[key] else { return .pre }
            if let s = n.string, let p = PadSide(rawValue: s) { return p }
            issue(n, "'\(key)' must be pre or post")
            return .pre
        }
        var ranking = VocabularyRanking.frequency
        if let rn = node["vocabulary_ranking"] {
            if let s = rn.string, let r = VocabularyRanking(rawValue: s) {
                ranking = r
            } else {
                issue(
                    rn,
                    "'vocabulary_ranking' must be one of \(VocabularyRanking.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        var embeddings: EmbeddingsSpec? = nil
        if let en = node["embeddings"], let ep = map(en, "text.embeddings") {
            checkKeys(ep, allowed: ["path", "missing", "scale", "seed", "layer"], section: "text.embeddings")
            var missing = MissingWordPolicy.zeros
            if let mn = en["missing"] {
                switch mn.string {
                case "zeros": missing = .zeros
                case "mean": missing = .mean
                case "random":
                    missing = .random(
                        scale: Float(number(en, "scale", range: 0...10) ?? 0.05),
                        seed: UInt64(int(en, "seed", min: 0) ?? 0))
                default: issue(mn, "'missing' must be zeros, mean or random")
                }
            }
            if let path = string(en, "path") {
                embeddings = EmbeddingsSpec(path: path, missing: missing, layer: string(en, "layer"), node: en)
            } else if en["path"] == nil {
                issue(en, "embeddings needs 'path' (a GloVe-format text file)")
            }
        }
        return TextSpec(
            cleaner: TextCleaner(steps), tokenizer: tokenizer, maxTokens: int(node, "max_tokens", min: 3),
            minCount: int(node, "min_count", min: 1) ?? 1,
            ranking: ranking, sequenceLength: length, padding: side("padding"), truncating: side("truncating"),
            embeddings: embeddings, node: node)
    }

    /// `model:` — a list of `{type: …, name: …, …}`. Names follow Keras when not given.
    mutating func layers(_ node: SpecNode) -> [LayerSpec] {
        guard let items = list(node, "model") else { return [] }
        if items.isEmpty { issue(node, "model needs at least one layer") }
        let types = items.map { $0["type"]?.string ?? "layer" }
        let given = items.map { $0["name"]?.string }
        let names = Sequential.layerNames(types: types, given: given)
        var out: [LayerSpec] = []
        for (item, name) in zip(items, names) {
            guard var pairs = map(item, "a model layer") else {
                madeLayers.append(nil)
                continue
            }
            pairs.removeAll { $0.key == "name" }
            let trimmed = SpecNode(value: .map(pairs), line: item.line, column: item.column)
            // A size only the data can tell (Embedding's input_dim, OneHot's depth) may be left
            // out; a placeholder is enough for shapes now.
            let inject = Spec.fillingDataSize(item["type"]?.string ?? "", [:], 2, registry: registry).filter {
                item[$0.key] == nil
            }
            guard let ref = plugin(trimmed, .layer, what: "a layer", instanceName: name, inject: inject) else {
                continue
            }
            out.append(LayerSpec(type: ref.name, name: name, config: ref.config, node: item))
        }
        return out
    }
}
