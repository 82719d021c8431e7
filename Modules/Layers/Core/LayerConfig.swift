import Foundation

/// A layer's configuration: `Codable` with snake_case keys in files, defaults for every field
/// that has one (`init()`), and the list of fields a user must give.
public protocol LayerConfig: Codable, Equatable {
    /// The default configuration.
    init()
    /// Fields (snake_case) that have no meaningful default and must be given, e.g. `units`.
    static var requiredFields: [String] { get }
}

extension LayerConfig {
    public static var requiredFields: [String] { [] }
}

/// Problems decoding a config object, with the offending field.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case unknownField(String, allowed: [String])
    case missingField(String)
    case wrongType(field: String, message: String)

    public var description: String {
        switch self {
        case let .unknownField(f, allowed): return "unknown field '\(f)' (allowed: \(allowed.joined(separator: ", ")))"
        case let .missingField(f): return "missing required field '\(f)'"
        case let .wrongType(f, m): return "field '\(f)': \(m)"
        }
    }
}

/// Encodes and decodes configs: snake_case JSON, defaults merged under the given fields,
/// unknown and missing fields reported by name.
public enum LayerConfigCoding {
    /// `returnSequences` → `return_sequences`, `SimpleRNN` → `simple_rnn`, `LSTM` → `lstm`:
    /// an underscore goes before an uppercase letter that follows a lowercase letter or digit.
    public static func snakeCase(_ s: String) -> String {
        var out = ""
        var prev: Character? = nil
        for ch in s {
            if ch.isUppercase, let p = prev, p.isLowercase || p.isNumber { out.append("_") }
            out += ch.lowercased()
            prev = ch
        }
        return out
    }

    /// The config as JSON with sorted snake_case keys.
    public static func encode<C: Encodable>(_ config: C) throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys]
        return try e.encode(config)
    }

    /// The default config's fields and values, as a JSON object.
    public static func defaults<C: LayerConfig>(_ type: C.Type) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: encode(C())) as? [String: Any]) ?? [:]
    }

    /// Decodes a config from a JSON object (`[String: Any]` from JSON or YAML), filling defaults.
    public static func decode<C: LayerConfig>(_ type: C.Type, from object: [String: Any]) throws -> C {
        var merged = try defaults(C.self)
        let allowed = merged.keys.sorted()
        for key in object.keys.sorted() where merged[key] == nil {
            throw ConfigError.unknownField(key, allowed: allowed)
        }
        for key in C.requiredFields where object[key] == nil {
            throw ConfigError.missingField(key)
        }
        for (k, v) in object { merged[k] = v }
        let data = try JSONSerialization.data(withJSONObject: merged)
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try d.decode(C.self, from: data)
        } catch let DecodingError.typeMismatch(t, ctx) {
            throw ConfigError.wrongType(field: fieldName(ctx.codingPath), message: "expected \(t)")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw ConfigError.wrongType(field: fieldName(ctx.codingPath), message: ctx.debugDescription)
        } catch let DecodingError.valueNotFound(t, ctx) {
            throw ConfigError.wrongType(field: fieldName(ctx.codingPath), message: "expected \(t), found null")
        }
    }

    /// Decodes a config from JSON data.
    public static func decode<C: LayerConfig>(_ type: C.Type, json: Data) throws -> C {
        guard let obj = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw ConfigError.wrongType(field: "(config)", message: "expected a JSON object")
        }
        return try decode(C.self, from: obj)
    }

    private static func fieldName(_ path: [CodingKey]) -> String {
        path.map { snakeCase($0.stringValue) }.joined(separator: ".")
    }
}
