import Foundation
import Tensors

/// The whole text-to-ids recipe — cleaning, tokenizer, vocabulary, length, padding — as one
/// value that is saved with a model and replayed at prediction time, so prediction sees exactly
/// the training-time processing.
///
/// ```swift
/// let p = TextPipeline.fit(texts: train, cleaner: TextCleaner(CleaningStep.tweetRecipe),
///                          tokenizer: .words, maxTokens: 20_000, sequenceLength: 40)
/// let (ids, mask) = try p.encode(["What a film!"])   // [1, 40]
/// ```
public struct TextPipeline: Codable, Equatable, Sendable {
    public var cleaner: TextCleaner
    public var tokenizer: Tokenizer
    public var vocabulary: Vocabulary
    public var sequenceLength: Int
    public var padding: PadSide
    public var truncating: PadSide

    public init(
        cleaner: TextCleaner, tokenizer: Tokenizer, vocabulary: Vocabulary, sequenceLength: Int,
        padding: PadSide = .pre, truncating: PadSide = .pre
    ) {
        self.cleaner = cleaner
        self.tokenizer = tokenizer
        self.vocabulary = vocabulary
        self.sequenceLength = sequenceLength
        self.padding = padding
        self.truncating = truncating
    }

    /// Cleans and tokenizes `texts`, builds the vocabulary from them.
    public static func fit(
        texts: [String], cleaner: TextCleaner, tokenizer: Tokenizer, maxTokens: Int? = nil, minCount: Int = 1,
        sequenceLength: Int, padding: PadSide = .pre, truncating: PadSide = .pre
    ) -> TextPipeline {
        let docs = texts.map { tokenizer.tokenize(cleaner($0)) }
        return TextPipeline(
            cleaner: cleaner, tokenizer: tokenizer,
            vocabulary: .build(from: docs, maxTokens: maxTokens, minCount: minCount),
            sequenceLength: sequenceLength, padding: padding, truncating: truncating)
    }

    /// Cleans and tokenizes `texts`, builds the vocabulary from them ranked by `ranking`; the
    /// label-aware rankings use `labels` (one class index per text).
    public static func fit(
        texts: [String], labels: [Int]?, ranking: VocabularyRanking, cleaner: TextCleaner, tokenizer: Tokenizer,
        maxTokens: Int? = nil, minCount: Int = 1, sequenceLength: Int,
        padding: PadSide = .pre, truncating: PadSide = .pre
    ) throws -> TextPipeline {
        let docs = texts.map { tokenizer.tokenize(cleaner($0)) }
        let vocabulary = try Vocabulary.build(
            from: docs, labels: labels, ranking: ranking, maxTokens: maxTokens, minCount: minCount)
        return TextPipeline(
            cleaner: cleaner, tokenizer: tokenizer, vocabulary: vocabulary,
            sequenceLength: sequenceLength, padding: padding, truncating: truncating)
    }

    /// Tokens of one text after cleaning.
    public func tokens(_ text: String) -> [String] { tokenizer.tokenize(cleaner(text)) }

    /// `ids [N, sequenceLength]` and `mask [N, sequenceLength]`.
    public func encode(_ texts: [String]) throws -> (ids: Tensor, mask: Tensor) {
        try Padding.pad(
            texts.map { vocabulary.encode(tokens($0)) }, length: sequenceLength, padding: padding,
            truncating: truncating)
    }

    /// Token counts over a corpus (after cleaning), for coverage reports.
    public func tokenCounts(_ texts: [String]) -> [String: Int] {
        var c: [String: Int] = [:]
        for t in texts { for tok in tokens(t) { c[tok, default: 0] += 1 } }
        return c
    }

    public func save(to url: URL) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try e.encode(self).write(to: url, options: .atomic)
    }

    /// Reads a saved pipeline; `resolve` rebuilds plugin steps and tokenizers
    /// (`Registry.textPartResolver`). Without it a pipeline that uses one fails to load, by name.
    public static func load(from url: URL, resolve: PluginTextResolver? = nil) throws -> TextPipeline {
        guard let data = try? Data(contentsOf: url) else {
            throw TextError.io(path: url.path, message: "cannot read the text pipeline")
        }
        let decoder = JSONDecoder()
        if let resolve { decoder.userInfo[pluginTextResolverKey] = resolve }
        do { return try decoder.decode(TextPipeline.self, from: data) } catch {
            throw TextError.io(path: url.path, message: "not a valid text pipeline: \(error)")
        }
    }
}
