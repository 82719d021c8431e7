import Foundation

/// A plugin's configuration (a layer's, a loss's, an optimizer's, …): `Codable` with snake_case
/// keys in files, defaults for every field that has one (`init()`), the fields a user must give,
/// and a one-line description per field for `unroll layers`.
public protocol PluginConfig: Codable, Equatable {
    /// The default configuration.
    init()
    /// Fields (snake_case) that have no meaningful default and must be given, e.g. `units`.
    static var requiredFields: [String] { get }
    /// One line per field (snake_case name → description).
    static var fieldDocs: [String: String] { get }
    /// A field whose value the data decides when a spec leaves it out — Embedding's `input_dim`
    /// and OneHot's `depth` are the vocabulary's or alphabet's size. Nil (the default): none.
    static var dataSizedField: String? { get }
}

extension PluginConfig {
    public static var requiredFields: [String] { [] }
    public static var fieldDocs: [String: String] { [:] }
    public static var dataSizedField: String? { nil }
}

/// Problems decoding a config object, with the offending field.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case unknownField(String, allowed: [String])
    case missingField(String)
    case wrongType(field: String, message: String)
    /// The value has the right type but is out of range (`epsilon: 0`); `message` says what is
    /// allowed, e.g. "must be a positive number, got 0.0".
    case invalidValue(field: String, message: String)

    public var description: String {
        switch self {
        case .invalidValue(let f, let m): return "field '\(f)' \(m)"
        case .unknownField(let f, let allowed):
            return "unknown field '\(f)' (allowed: \(allowed.joined(separator: ", ")))"
        case .missingField(let f): return "missing required field '\(f)'"
        case .wrongType(let f, let m): return "field '\(f)': \(m)"
        }
    }
}

/// Encodes and decodes configs: snake_case JSON, defaults merged under the given fields,
/// unknown and missing fields reported by name.
public enum ConfigCoding {
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
    public static func defaults<C: PluginConfig>(_ type: C.Type) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: encode(C())) as? [String: Any]) ?? [:]
    }

    /// Decodes a config from a JSON object (`[String: Any]` from JSON or YAML), filling defaults.
    public static func decode<C: PluginConfig>(_ type: C.Type, from object: [String: Any]) throws -> C {
        var merged = try defaults(C.self)
        let allowed = merged.keys.sorted()
        for key in object.keys.sorted() where merged[key] == nil {
            throw ConfigError.unknownField(key, allowed: allowed)
        }
        for key in C.requiredFields where object[key] == nil {
            throw ConfigError.missingField(key)
        }
        for (k, v) in object { merged[k] = v }
        // JSON holds neither NaN nor infinity, and a config's numbers are Floats: say so at the field.
        for key in object.keys.sorted() {
            if let (path, x) = outOfRange(object[key]!, path: key) {
                throw ConfigError.invalidValue(
                    field: path,
                    message: x.isFinite
                        ? "must be within ±3.4e38 (a 32-bit float), found \(x)" : "must be a finite number, found \(x)")
            }
        }
        // An integer field given a fraction, or an integer no Int holds (the decoder's own message
        // names no field).
        let types = fieldTypes(C.self)
        for key in object.keys.sorted() where types[key] == "int" {
            if let x = object[key] as? Double, x.rounded() != x || abs(x) >= 9.2e18 {
                throw ConfigError.wrongType(field: key, message: "must be an integer, found \(x)")
            }
        }
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

    /// The first number in `value` (a field's, or inside its lists and objects) that is not
    /// finite or is beyond a Float's range, with its dotted path.
    static func outOfRange(_ value: Any, path: String) -> (String, Double)? {
        switch value {
        case let d as Double:
            return d.isFinite && abs(d) <= Double(Float.greatestFiniteMagnitude) ? nil : (path, d)
        case let list as [Any]:
            return list.enumerated().lazy.compactMap { outOfRange($1, path: "\(path).\($0)") }.first
        case let map as [String: Any]:
            return map.keys.sorted().lazy.compactMap { outOfRange(map[$0]!, path: "\(path).\($0)") }.first
        default: return nil
        }
    }

    /// The fields of a config type for documentation: name, type (from the default value's Swift
    /// type: `int`, `number`, `bool`, `string`, `one of …` for enums), default, required, doc.
    public static func fields<C: PluginConfig>(_ type: C.Type) -> [FieldInfo] {
        let defaults = (try? Self.defaults(C.self)) ?? [:]
        let types = fieldTypes(C.self)
        return defaults.keys.sorted().map { k in
            FieldInfo(
                name: k, type: types[k] ?? "any",
                defaultValue: C.requiredFields.contains(k) ? nil : render(defaults[k]!),
                required: C.requiredFields.contains(k), doc: C.fieldDocs[k] ?? "")
        }
    }

    /// Each field's snake_case name and `typeName`, read off the default config.
    static func fieldTypes<C: PluginConfig>(_ type: C.Type) -> [String: String] {
        var types: [String: String] = [:]
        for child in Mirror(reflecting: C()).children {
            guard let label = child.label else { continue }
            types[snakeCase(label.hasPrefix("_") ? String(label.dropFirst()) : label)] = typeName(child.value)
        }
        return types
    }

    static func typeName(_ v: Any) -> String {
        switch v {
        case is Int: return "int"
        case is Float, is Double: return "number"
        case is Bool: return "bool"
        case is String: return "string"
        case is JSONValue: return "object"
        case is [String]: return "list of strings"
        case is [Int]: return "list of ints"
        case is [Float], is [Double]: return "list of numbers"
        case let e as any CaseIterable & RawRepresentable:
            let all = (type(of: e).allCases as any Collection).map { c in "\((c as! any RawRepresentable).rawValue)" }
            return "one of " + all.joined(separator: "|")
        default: return String(describing: type(of: v))
        }
    }

    static func render(_ v: Any) -> String {
        if let d = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]),
            let s = String(data: d, encoding: .utf8)
        {
            return s
        }
        return "\(v)"
    }

    /// Decodes a config from JSON data.
    public static func decode<C: PluginConfig>(_ type: C.Type, json: Data) throws -> C {
        guard let obj = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw ConfigError.wrongType(field: "(config)", message: "expected a JSON object")
        }
        return try decode(C.self, from: obj)
    }

    private static func fieldName(_ path: [CodingKey]) -> String {
        path.map { snakeCase($0.stringValue) }.joined(separator: ".")
    }
}
