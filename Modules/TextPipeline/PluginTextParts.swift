import Foundation
import PluginRegistry

/// A cleaning step from a plugin: text in, text out.
///
/// ```swift
/// struct EmojiToWords: TextCleaningStep {
///     func apply(_ text: String) -> String { text.replacingOccurrences(of: "🙂", with: " smile ") }
/// }
/// try registry.register(.cleaningStep("acme.emoji_words", summary: "emoji → words", config: NoStepOptions.self) { _ in EmojiToWords() })
/// ```
public protocol TextCleaningStep: Sendable {
    func apply(_ text: String) -> String
}

/// A tokenizer from a plugin: cleaned text in, tokens out.
public protocol TextTokenizer: Sendable {
    func tokenize(_ text: String) -> [String]
}

/// Rebuilds a saved plugin step or tokenizer from `(kind, name, config)`.
public typealias PluginTextResolver = (PluginKind, String, JSONValue) throws -> Any

/// The `JSONDecoder.userInfo` key under which `TextPipeline.load(from:resolve:)` passes the resolver.
public let pluginTextResolverKey = CodingUserInfoKey(rawValue: "unroll.pluginTextResolver")!

/// A plugin's step or tokenizer inside a `CleaningStep` or `Tokenizer`, with its registry name and
/// config, so a saved `TextPipeline` can rebuild it: it is saved as `{kind, name, config}` and
/// decoded through the resolver in `TextPipeline.load(from:resolve:)` (the bundle loader passes
/// one backed by the registry). Equal when name and config are equal.
public struct PluginTextPart<Value: Sendable>: Codable, Equatable, Sendable {
    public let kind: PluginKind
    public let name: String
    public let config: JSONValue
    public let value: Value

    public init(kind: PluginKind, name: String, rawConfig: [String: Any], value: Value) throws {
        self.kind = kind
        self.name = name
        self.value = value
        let data = try JSONSerialization.data(withJSONObject: rawConfig, options: [.sortedKeys])
        self.config = try JSONDecoder().decode(JSONValue.self, from: data)
    }

    private enum Keys: String, CodingKey { case kind, name, config }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        kind = try c.decode(PluginKind.self, forKey: .kind)
        name = try c.decode(String.self, forKey: .name)
        config = try c.decode(JSONValue.self, forKey: .config)
        guard let resolve = decoder.userInfo[pluginTextResolverKey] as? PluginTextResolver else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "the pipeline uses the plugin \(kind.rawValue) '\(name)'; load it with a registry that provides it"
                ))
        }
        guard let v = try resolve(kind, name, config) as? Value else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "the registry's \(kind.rawValue) '\(name)' is not a plugin \(Value.self)"))
        }
        value = v
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(name, forKey: .name)
        try c.encode(config, forKey: .config)
    }

    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind && a.name == b.name && a.config == b.config }
}

extension PluginEntry {
    /// Registers a plugin cleaning step: `make` builds it from its decoded config. Spec files use
    /// it by `name` like a built-in step, and bundles replay it.
    public static func cleaningStep<C: PluginConfig>(
        _ name: String, summary: String, config: C.Type,
        make: @escaping (C) throws -> any TextCleaningStep
    ) -> PluginEntry {
        PluginEntry(kind: .cleaningStep, name: name, summary: summary, fields: ConfigCoding.fields(C.self)) { obj, _ in
            CleaningStep.plugin(
                try PluginTextPart(
                    kind: .cleaningStep, name: name, rawConfig: obj,
                    value: try make(try ConfigCoding.decode(C.self, from: obj))))
        }
    }

    /// Registers a plugin tokenizer the same way.
    public static func tokenizer<C: PluginConfig>(
        _ name: String, summary: String, config: C.Type,
        make: @escaping (C) throws -> any TextTokenizer
    ) -> PluginEntry {
        PluginEntry(kind: .tokenizer, name: name, summary: summary, fields: ConfigCoding.fields(C.self)) { obj, _ in
            Tokenizer.plugin(
                try PluginTextPart(
                    kind: .tokenizer, name: name, rawConfig: obj,
                    value: try make(try ConfigCoding.decode(C.self, from: obj))))
        }
    }
}

extension Registry {
    /// A resolver for `TextPipeline.load(from:resolve:)` that rebuilds plugin steps and tokenizers
    /// from this registry.
    public var textPartResolver: PluginTextResolver {
        let registry = self
        return { kind, name, config in
            let obj = config.foundationObject as? [String: Any] ?? [:]
            switch kind {
            case .cleaningStep:
                guard case .plugin(let p) = try registry.make(.cleaningStep, name, config: obj, as: CleaningStep.self)
                else { return () }
                return p.value
            case .tokenizer:
                guard case .plugin(let p) = try registry.make(.tokenizer, name, config: obj, as: Tokenizer.self) else {
                    return ()
                }
                return p.value
            default:
                return ()
            }
        }
    }
}
