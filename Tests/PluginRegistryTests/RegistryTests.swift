import PluginRegistry
import XCTest

final class RegistryTests: XCTestCase {
    struct Cfg: PluginConfig {
        var units = 1, rate: Float = 0.5, flag = false, label = "x", columns: [String] = []
        init() {}
        static var requiredFields: [String] { ["units"] }
        static var fieldDocs: [String: String] { ["units": "size"] }
    }

    func entry(_ name: String, _ kind: PluginKind = .layer) -> PluginEntry {
        .configured(kind, name, summary: "test", config: Cfg.self) { c, n in "\(n):\(c.units)" }
    }

    func testRegisterLookupMakeAndFields() throws {
        var r = Registry()
        try r.register(entry("Highway"))
        try r.register(entry("acme.Highway"))
        XCTAssertEqual(
            try r.make(.layer, "acme.Highway", config: ["units": 3], instanceName: "h_1", as: String.self), "h_1:3")
        XCTAssertEqual(r.names(.layer), ["Highway", "acme.Highway"])
        let f = try r.entry(.layer, "Highway").fields
        XCTAssertEqual(f.map(\.name), ["columns", "flag", "label", "rate", "units"])
        XCTAssertEqual(f.map(\.type), ["list of strings", "bool", "string", "number", "int"])
        XCTAssertEqual(f.first { $0.name == "units" }?.required, true)
        XCTAssertEqual(f.first { $0.name == "rate" }?.defaultValue, "0.5")
        XCTAssertEqual(f.first { $0.name == "units" }?.doc, "size")
    }

    func testDuplicatesInvalidNamesAndUnknownWithSuggestions() throws {
        var r = Registry()
        try r.register(entry("LSTM"))
        try r.register(entry("GRU"))
        XCTAssertThrowsError(try r.register(entry("LSTM"))) { e in
            XCTAssertEqual(e as? RegistryError, .duplicate(kind: .layer, name: "LSTM"))
        }
        XCTAssertNoThrow(try r.register(entry("LSTM", .loss)))  // names are per kind
        for bad in ["", "a.b.c", "has space", ".x"] {
            XCTAssertThrowsError(try r.register(entry(bad))) { e in
                XCTAssertEqual(e as? RegistryError, .invalidName(bad))
            }
        }
        XCTAssertThrowsError(try r.entry(.layer, "LTSM")) { e in
            XCTAssertEqual("\(e)", "unknown layer 'LTSM'; did you mean 'LSTM'?")
        }
        XCTAssertEqual(Registry.suggestions(for: "lstm", among: ["LSTM", "GRU"]), ["LSTM"])
        XCTAssertEqual(Registry.suggestions(for: "Highwya", among: ["acme.Highway", "Dense"]), ["acme.Highway"])
        XCTAssertEqual(Registry.suggestions(for: "zzzzzz", among: ["LSTM"]), [])
    }

    func testConfigDecodingReportsFieldsByName() throws {
        XCTAssertEqual(try ConfigCoding.decode(Cfg.self, from: ["units": 4, "flag": true]).units, 4)
        XCTAssertThrowsError(try ConfigCoding.decode(Cfg.self, from: ["units": 4, "unit": 3])) { e in
            guard case ConfigError.unknownField(let f, let allowed) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(f, "unit")
            XCTAssertEqual(allowed, ["columns", "flag", "label", "rate", "units"])
        }
        XCTAssertThrowsError(try ConfigCoding.decode(Cfg.self, from: ["rate": 1])) { e in
            XCTAssertEqual(e as? ConfigError, .missingField("units"))
        }
        XCTAssertThrowsError(try ConfigCoding.decode(Cfg.self, from: ["units": "many"])) { e in
            guard case ConfigError.wrongType(let f, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(f, "units")
        }
    }
}
