import PluginRegistry

/// Registers the cleaning steps and tokenizers.
public enum TextPipelinePlugins: PluginModule {
    public static func register(in r: inout Registry) throws {
        func simple(_ step: CleaningStep, _ summary: String) throws {
            try r.register(
                .configured(.cleaningStep, step.name, summary: summary, config: NoStepOptions.self) { _, _ in step })
        }
        try simple(.lowercase, "Unicode-aware lowercasing")
        try simple(.normalizeUnicode, "NFKC normalisation")
        try simple(.stripHTML, "HTML tags and <br /> → space")
        try simple(.specialCharacters, "keep letters, digits, inner apostrophes, <placeholders>")
        try simple(.collapseWhitespace, "runs of whitespace → one space, trimmed")
        try r.register(
            .configured(.cleaningStep, "urls", summary: "http(s)://… and www.… words", config: ReplaceOptions.self) {
                c, _ in CleaningStep.urls(try c.resolvedAction())
            })
        try r.register(
            .configured(.cleaningStep, "mentions", summary: "@name", config: ReplaceOptions.self) { c, _ in
                CleaningStep.mentions(try c.resolvedAction())
            })
        try r.register(
            .configured(.cleaningStep, "digits", summary: "runs of digits", config: ReplaceOptions.self) { c, _ in
                CleaningStep.digits(try c.resolvedAction())
            })
        try r.register(
            .configured(
                .cleaningStep, "hashtags", summary: "#tag: remove, keep_word or replace", config: HashtagOptions.self
            ) { c, _ in
                switch c.action {
                case "remove": return CleaningStep.hashtags(.remove)
                case "keep_word": return CleaningStep.hashtags(.keepWord)
                case "replace": return CleaningStep.hashtags(.replace(c.replacement))
                default:
                    throw ConfigError.invalidValue(
                        field: "action", message: "must be remove, keep_word or replace, got '\(c.action)'")
                }
            })
        try r.register(
            .configured(
                .tokenizer, "words", summary: "words split on whitespace and punctuation", config: WordsOptions.self
            ) { c, _ in
                guard c.ngrams >= 1 else { throw ConfigError.invalidValue(field: "ngrams", message: "must be ≥ 1") }
                return Tokenizer.words(ngrams: c.ngrams, splitContractions: c.splitContractions, stem: c.stem)
            })
        try r.register(
            .configured(.tokenizer, "characters", summary: "one token per character", config: NoStepOptions.self) {
                _, _ in Tokenizer.characters
            })
    }
}

public struct NoStepOptions: PluginConfig { public init() {} }

public struct ReplaceOptions: PluginConfig {
    /// `remove` or `replace`.
    public var action = "remove"
    public var replacement = ""
    public init() {}
    public static var fieldDocs: [String: String] {
        ["action": "remove or replace", "replacement": "text put in place (with replace), e.g. <url>"]
    }
    func resolvedAction() throws -> CleaningStep.Action {
        switch action {
        case "remove": return .remove
        case "replace": return .replace(replacement)
        default: throw ConfigError.invalidValue(field: "action", message: "must be remove or replace, got '\(action)'")
        }
    }
}

public struct HashtagOptions: PluginConfig {
    public var action = "remove", replacement = ""
    public init() {}
    public static var fieldDocs: [String: String] {
        ["action": "remove, keep_word (drop the #) or replace", "replacement": "text put in place (with replace)"]
    }
}

public struct WordsOptions: PluginConfig {
    public var ngrams = 1, splitContractions = false, stem = false
    public init() {}
    public static var fieldDocs: [String: String] {
        [
            "ngrams": "also emit word n-grams up to this size",
            "split_contractions": "split it's → it 's like GloVe's corpus",
            "stem": "reduce words to their Porter stems (connected, connection → connect)",
        ]
    }
}
