import Foundation

/// One named text-cleaning step. Steps compose in order (`TextCleaner`) and are `Codable`, so a
/// pipeline saved with a model replays exactly the cleaning it was trained with.
///
/// ```swift
/// let clean = TextCleaner([.stripHTML, .urls(.replace("<url>")), .mentions(.remove),
///                          .hashtags(.keepWord), .lowercase, .specialCharacters, .collapseWhitespace])
/// clean("Loved it!! #best @bob http://t.co/x") // "loved it best <url>"
/// ```
public enum CleaningStep: Codable, Equatable, Sendable {
    /// What to do with a matched piece of text.
    public enum Action: Codable, Equatable, Sendable {
        case remove
        case replace(String)
    }
    /// What to do with `#hashtags`.
    public enum HashtagAction: Codable, Equatable, Sendable {
        case remove
        /// Keep the word without `#` (`#best` → `best`).
        case keepWord
        case replace(String)
    }

    /// Unicode-aware lowercasing (`ПРИВЕТ` → `привет`).
    case lowercase
    /// Unicode compatibility normalisation (NFKC: `ﬁ` → `fi`, full-width → ASCII).
    case normalizeUnicode
    /// HTML tags and `<br />` (replaced by a space so words do not run together).
    case stripHTML
    /// `http://…`, `https://…`, `www.…` up to the next whitespace.
    case urls(Action)
    /// `@name` (letters, digits, `_`) at the start of a word.
    case mentions(Action)
    /// `#tag` at the start of a word.
    case hashtags(HashtagAction)
    /// Everything but letters, digits, whitespace and apostrophes inside words becomes a space;
    /// `<…>` placeholders made by earlier steps are kept.
    case specialCharacters
    /// Decimal digits (runs of them).
    case digits(Action)
    /// Runs of whitespace become one space; leading and trailing whitespace goes.
    case collapseWhitespace
    /// A step a plugin registered (`PluginEntry.cleaningStep`), saved by name and config.
    case plugin(PluginTextPart<any TextCleaningStep>)

    /// The step's name in spec files.
    public var name: String {
        switch self {
        case .lowercase: return "lowercase"
        case .normalizeUnicode: return "normalize_unicode"
        case .stripHTML: return "strip_html"
        case .urls: return "urls"
        case .mentions: return "mentions"
        case .hashtags: return "hashtags"
        case .specialCharacters: return "special_characters"
        case .digits: return "digits"
        case .collapseWhitespace: return "collapse_whitespace"
        case .plugin(let p): return p.name
        }
    }

    /// Applies the step.
    public func apply(_ text: String) -> String {
        switch self {
        case .lowercase: return text.lowercased()
        case .normalizeUnicode: return text.precomposedStringWithCompatibilityMapping
        case .stripHTML: return TextScan.stripTags(text)
        case .urls(let a): return TextScan.replaceWords(text, a.replacement) { TextScan.isURL($0) }
        case .mentions(let a): return TextScan.replacePrefixed(text, "@", a.replacement, keepWord: false)
        case .hashtags(let a):
            switch a {
            case .remove: return TextScan.replacePrefixed(text, "#", "", keepWord: false)
            case .keepWord: return TextScan.replacePrefixed(text, "#", "", keepWord: true)
            case .replace(let s): return TextScan.replacePrefixed(text, "#", s, keepWord: false)
            }
        case .specialCharacters: return TextScan.specialCharactersToSpace(text)
        case .digits(let a): return TextScan.replaceDigits(text, a.replacement)
        case .collapseWhitespace: return TextScan.collapseWhitespace(text)
        case .plugin(let p): return p.value.apply(text)
        }
    }

    /// The notes' tweet recipe: HTML, URLs, mentions and hashtags removed, lowercase, special
    /// characters removed, whitespace collapsed.
    public static let tweetRecipe: [CleaningStep] = [
        .normalizeUnicode, .stripHTML, .urls(.remove), .mentions(.remove),
        .hashtags(.remove), .lowercase, .specialCharacters, .collapseWhitespace,
    ]
}

extension CleaningStep.Action {
    var replacement: String { if case .replace(let s) = self { return s } else { return "" } }
}

/// Applies cleaning steps in order.
public struct TextCleaner: Codable, Equatable, Sendable {
    public var steps: [CleaningStep]
    public init(_ steps: [CleaningStep]) { self.steps = steps }
    public func callAsFunction(_ text: String) -> String { steps.reduce(text) { $1.apply($0) } }
}
