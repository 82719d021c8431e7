import PluginRegistry
import TextPipeline

/// A plugin cleaning step: emoticons and emoji become words, so a word vocabulary sees them
/// (`"loved it :)"` → `"loved it  smile "`). Spec files use it as `acme.emoji_words`; saved
/// bundles replay it through the registry.
public struct EmojiWords: TextCleaningStep {
    /// `emoji_words` config: the words put in place of happy and sad faces.
    public struct Options: PluginConfig {
        public var happy = "smile", sad = "frown"
        public init() {}
        public static var fieldDocs: [String: String] {
            ["happy": "word for 🙂 😀 :) :-)", "sad": "word for 🙁 😞 :( :-("]
        }
    }

    public let happy: String, sad: String
    static let happyFaces = ["🙂", "😀", ":-)", ":)"], sadFaces = ["🙁", "😞", ":-(", ":("]

    public func apply(_ text: String) -> String {
        var out = text
        for f in Self.happyFaces { out = out.replacingOccurrences(of: f, with: " \(happy) ") }
        for f in Self.sadFaces { out = out.replacingOccurrences(of: f, with: " \(sad) ") }
        return out
    }

    static let entry = PluginEntry.cleaningStep(
        "acme.emoji_words", summary: "emoji and :) :( → words", config: Options.self
    ) {
        EmojiWords(happy: $0.happy, sad: $0.sad)
    }
}
