import TestSupport
import TextPipeline
import XCTest

final class CleaningTests: XCTestCase {
    let tweet =
        "Just saw #Inception with @nolan_fan!!! 10/10 <br />Mind = BLOWN 🤯 https://t.co/abc123 www.imdb.com/title"

    func testEachStepOnARealLookingTweet() {
        XCTAssertEqual(CleaningStep.lowercase.apply("ПРИВЕТ Мир ÉCOLE"), "привет мир école")
        XCTAssertEqual(CleaningStep.normalizeUnicode.apply("ﬁne ＡＢＣ①"), "fine ABC1")
        XCTAssertEqual(
            CleaningStep.stripHTML.apply("great<br />movie <b>really</b> 3 < 4 > 2"), "great movie  really  3 < 4 > 2")
        XCTAssertEqual(
            CleaningStep.urls(.remove).apply(tweet),
            "Just saw #Inception with @nolan_fan!!! 10/10 <br />Mind = BLOWN 🤯  ")
        XCTAssertEqual(CleaningStep.urls(.replace("<url>")).apply("see https://x.y/z now"), "see <url> now")
        XCTAssertEqual(CleaningStep.mentions(.remove).apply("thanks @bob_1, and @ann!"), "thanks , and !")
        XCTAssertEqual(CleaningStep.mentions(.replace("<user>")).apply("@bob hi me@mail.com"), "<user> hi me@mail.com")
        XCTAssertEqual(CleaningStep.hashtags(.remove).apply("so #good #2024 a#b"), "so   a#b")
        XCTAssertEqual(CleaningStep.hashtags(.keepWord).apply("so #good"), "so good")
        XCTAssertEqual(CleaningStep.hashtags(.replace("<hashtag>")).apply("#wow!"), "<hashtag>!")
        XCTAssertEqual(
            CleaningStep.specialCharacters.apply("don't stop!!! 'quoted' <url> ok"), "don't stop     quoted  <url> ok")
        XCTAssertEqual(CleaningStep.digits(.remove).apply("top 10 of 2024"), "top  of ")
        XCTAssertEqual(CleaningStep.digits(.replace("<num>")).apply("10/10"), "<num>/<num>")
        XCTAssertEqual(CleaningStep.collapseWhitespace.apply("  a \t b\n\nc  "), "a b c")
    }

    func testTweetRecipeAndReplacementsCompose() {
        XCTAssertEqual(TextCleaner(CleaningStep.tweetRecipe)(tweet), "just saw with 10 10 mind blown")
        let keep = TextCleaner([
            .stripHTML, .urls(.replace("<url>")), .mentions(.replace("<user>")), .hashtags(.keepWord),
            .lowercase, .specialCharacters, .collapseWhitespace,
        ])
        XCTAssertEqual(keep(tweet), "just saw inception with <user> 10 10 mind blown <url> <url>")
    }

    func testCleanerIsCodable() throws {
        let c = TextCleaner([.urls(.replace("<url>")), .hashtags(.keepWord), .digits(.remove)])
        XCTAssertEqual(try JSONDecoder().decode(TextCleaner.self, from: JSONEncoder().encode(c)), c)
    }
}

final class TokenizerVocabularyTests: XCTestCase {
    func testWordTokenizerKeepsInnerApostrophesAndPlaceholders() {
        XCTAssertEqual(
            Tokenizer.words.tokenize("Don't stop, it's 'great'... <url> ok"),
            ["Don't", "stop", "it's", "great", "<url>", "ok"])
        XCTAssertEqual(
            Tokenizer.words(ngrams: 2, splitContractions: false).tokenize("not good at all"),
            ["not", "good", "at", "all", "not good", "good at", "at all"])
        XCTAssertEqual(Tokenizer.characters.tokenize("hé y"), ["h", "é", " ", "y"])
        XCTAssertEqual(
            Tokenizer.gloveWords.tokenize("It's what doesn't you're can't film's"),
            ["It", "'s", "what", "does", "n't", "you", "'re", "ca", "n't", "film", "'s"])
    }

    func testVocabularyFrequencyOrderTiesMinCountAndMaxTokens() throws {
        let docs = [["b", "a", "c", "a"], ["c", "d", "b", "e"]]
        let v = Vocabulary.build(from: docs)
        XCTAssertEqual(v.tokens, ["", "[UNK]", "b", "a", "c", "d", "e"])  // b, a, c tie at 2: first occurrence wins
        XCTAssertEqual(Vocabulary.build(from: docs, maxTokens: 4).tokens, ["", "[UNK]", "b", "a"])
        XCTAssertEqual(Vocabulary.build(from: docs, minCount: 2).tokens, ["", "[UNK]", "b", "a", "c"])
        XCTAssertEqual(v.encode(["a", "zzz", "e"]), [3, 1, 6])
        XCTAssertEqual(v.decode([3, 1, 99]), ["a", "[UNK]", "[UNK]"])
        XCTAssertThrowsError(try Vocabulary(tokens: ["x", "[UNK]"]))
        XCTAssertThrowsError(try Vocabulary(tokens: ["", "[UNK]", "a", "a"]))
    }

    func testVocabularyPlainFileRoundTripWithAwkwardTokens() throws {
        let v = try Vocabulary(tokens: ["", "[UNK]", "\n", "a\\b", " ", "é", "\r"])
        let u = try TestData.temp("", name: "vocab.txt")
        try v.save(to: u)
        XCTAssertEqual(try Vocabulary.load(from: u), v)
        XCTAssertEqual(
            try String(contentsOf: u, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).count, 8
        )
    }

    func testPaddingPreAndPostWithMask() throws {
        let (ids, mask) = try Padding.pad([[5, 6, 7], [8]], length: 2)
        XCTAssertEqual(ids.scalars, [6, 7, 0, 8])
        XCTAssertEqual(mask.scalars, [1, 1, 0, 1])
        let (ids2, mask2) = try Padding.pad([[5, 6, 7], [8]], length: 4, padding: .post, truncating: .post)
        XCTAssertEqual(ids2.scalars, [5, 6, 7, 0, 8, 0, 0, 0])
        XCTAssertEqual(mask2.scalars, [1, 1, 1, 0, 1, 0, 0, 0])
        XCTAssertEqual(try Padding.pad([[1, 2, 3]], length: 2, truncating: .post).ids.scalars, [1, 2])
        XCTAssertThrowsError(try Padding.pad([[1]], length: 0))
    }

    func testPipelineSavesAndReplaysIdentically() throws {
        let train = ["I loved it!", "Hated it. #worst", "loved, loved, LOVED"]
        let p = TextPipeline.fit(
            texts: train, cleaner: TextCleaner(CleaningStep.tweetRecipe), tokenizer: .words, maxTokens: 5,
            sequenceLength: 4)
        XCTAssertEqual(p.vocabulary.tokens, ["", "[UNK]", "loved", "it", "i"])
        let u = try TestData.temp("", name: "pipeline.json")
        try p.save(to: u)
        let q = try TextPipeline.load(from: u)
        XCTAssertEqual(q, p)
        XCTAssertEqual(try q.encode(["LOVED it, hated"]).ids.scalars, [0, 2, 3, 1])
        XCTAssertEqual(try q.encode(["LOVED it, hated"]).ids.scalars, try p.encode(["LOVED it, hated"]).ids.scalars)
    }
}

final class PorterStemmerTests: XCTestCase {
    /// Against NLTK's PorterStemmer (ORIGINAL_ALGORITHM) on the paper's examples and 1,500
    /// frequent review words (Tools/make_porter_golden.py).
    func testMatchesNLTKReference() {
        XCTAssertGreaterThan(porterGolden.count, 1_500)
        let wrong = porterGolden.filter { PorterStemmer.stem($0.word) != $0.stem }
        XCTAssertEqual(
            wrong.count, 0,
            wrong.prefix(20).map { "\($0.word): want \($0.stem), got \(PorterStemmer.stem($0.word))" }.joined(
                separator: "; "))
    }

    func testLeavesNonWordsAloneAndTokenizerStems() {
        for w in ["don't", "<url>", "2019", "Running", "é", "is", "a"] { XCTAssertEqual(PorterStemmer.stem(w), w) }
        let t = Tokenizer.words(ngrams: 2, splitContractions: false, stem: true)
        XCTAssertEqual(t.tokenize("connected connections"), ["connect", "connect", "connect connect"])
    }

    func testTokenizerCodingKeepsOldBundlesLoadable() throws {
        let old = Data(#"{"words":{"ngrams":1,"splitContractions":true}}"#.utf8)
        XCTAssertEqual(
            try JSONDecoder().decode(Tokenizer.self, from: old), .words(ngrams: 1, splitContractions: true, stem: false)
        )
        for t in [Tokenizer.words(ngrams: 2, splitContractions: false, stem: true), .characters, .words] {
            XCTAssertEqual(try JSONDecoder().decode(Tokenizer.self, from: JSONEncoder().encode(t)), t)
        }
    }

    /// `ngrams: 10^12` looped 10^12 times a text: no n-gram is longer than the text, so it gives
    /// what the text's length gives. A pipeline file with `ngrams: 0` is refused.
    func testHugeNgramsAreBoundedByTheText() throws {
        let huge = Tokenizer.words(ngrams: 1_000_000_000_000, splitContractions: false)
        XCTAssertEqual(
            huge.tokenize("not very good"),
            Tokenizer.words(ngrams: 3, splitContractions: false).tokenize("not very good"))
        XCTAssertEqual(huge.tokenize("good"), ["good"])
        XCTAssertEqual(huge.tokenize(""), [])
        let json = Data(#"{"words": {"ngrams": 0, "splitContractions": false}}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(Tokenizer.self, from: json)) { e in
            XCTAssertTrue("\(e)".contains("ngrams must be ≥ 1"), "\(e)")
        }
    }
}
