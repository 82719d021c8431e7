import Foundation
import PluginRegistry
import TextPipeline
import XCTest

/// A cleaning step and a tokenizer from outside Unroll's modules, as a team would write them:
/// used by name through the registry, saved with a pipeline, and replayed when it is loaded.
final class PluginTextPartTests: XCTestCase {
    struct EmojiOptions: PluginConfig {
        var smile = "smile"
        init() {}
    }
    struct EmojiToWords: TextCleaningStep {
        let smile: String
        func apply(_ text: String) -> String { text.replacingOccurrences(of: "🙂", with: " \(smile) ") }
    }
    struct DashTokens: TextTokenizer {
        func tokenize(_ text: String) -> [String] {
            text.split(whereSeparator: { $0 == "-" || $0 == " " }).map(String.init)
        }
    }

    func registry() throws -> Registry {
        var r = try Registry(modules: [TextPipelinePlugins.self])
        try r.register(
            .cleaningStep("acme.emoji_words", summary: "🙂 → a word", config: EmojiOptions.self) {
                EmojiToWords(smile: $0.smile)
            })
        try r.register(
            .tokenizer("acme.dashes", summary: "split on - and space", config: NoStepOptions.self) { _ in DashTokens() }
        )
        return r
    }

    func testPluginStepAndTokenizerAreSavedAndReplayed() throws {
        let r = try registry()
        let step = try r.make(.cleaningStep, "acme.emoji_words", config: ["smile": "grin"], as: CleaningStep.self)
        let tokenizer = try r.make(.tokenizer, "acme.dashes", config: [:], as: Tokenizer.self)
        XCTAssertEqual(step.name, "acme.emoji_words")
        XCTAssertEqual(step.apply("good🙂film"), "good grin film")
        let p = TextPipeline.fit(
            texts: ["well-made 🙂", "half-baked"], cleaner: TextCleaner([step, .lowercase]), tokenizer: tokenizer,
            sequenceLength: 3)
        XCTAssertEqual(p.tokens("Well-Made🙂"), ["well", "made", "grin"])

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try p.save(to: url)
        let saved = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(
            saved.contains("acme.emoji_words") && saved.contains("grin") && saved.contains("acme.dashes"), saved)

        let loaded = try TextPipeline.load(from: url, resolve: r.textPartResolver)
        XCTAssertEqual(loaded, p)
        XCTAssertEqual(try loaded.encode(["half-baked 🙂"]).ids.scalars, try p.encode(["half-baked 🙂"]).ids.scalars)
        XCTAssertEqual(loaded.tokens("a-b🙂"), ["a", "b", "grin"])

        // Without the plugin's registry the pipeline does not load, and says which plugin it needs.
        XCTAssertThrowsError(try TextPipeline.load(from: url)) { e in
            XCTAssertTrue(
                "\(e)".contains("plugin cleaning_step 'acme.emoji_words'") || "\(e)".contains("'acme.emoji_words'"),
                "\(e)")
        }
        let bare = try Registry(modules: [TextPipelinePlugins.self])
        XCTAssertThrowsError(try TextPipeline.load(from: url, resolve: bare.textPartResolver)) { e in
            XCTAssertTrue("\(e)".contains("acme.emoji_words"), "\(e)")
        }
    }
}
