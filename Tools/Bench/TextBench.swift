import Datasets
import Foundation
import Tensors
import TextPipeline

/// GloVe loading and text processing throughput on the real files.
enum TextBench {
    static func dataURL(_ name: String) -> URL? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        if let u = DataFiles.find(name, projectRoot: root) { return u }
        print("(\(name) not found: run bash Tools/fetch-data.sh --all)")
        return nil
    }

    /// Run alone (`unroll-bench glove`) so the process's peak memory is the loader's.
    static func glove() throws {
        guard let url = dataURL("glove.6B.50d.txt") else { return }
        let bytes = Double(
            (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0)
        let before = peakMemoryMiB()
        let t0 = now()
        let v = try GloVe.load(url)
        let t = now() - t0
        let matrixMiB = Double(v.matrix.count * 4) / 1_048_576
        let peak = peakMemoryMiB()
        print("## GloVe 6B 50d, full file (\(fmt(bytes / 1e6, 0)) MB, \(v.words.count) words)")
        print("| load | seconds | MB/s | matrix MiB | process peak MiB (before load) | peak ÷ matrix |")
        print("|---|---|---|---|---|---|")
        print(
            "| full | \(fmt(t, 2)) | \(fmt(bytes / 1e6 / t, 0)) | \(fmt(matrixMiB, 1)) | \(fmt(peak, 1)) (\(fmt(before, 1))) | \(fmt(peak / matrixMiB, 2)) |"
        )
        guard let rt = dataURL("rt-polarity.tsv") else { return }
        let (table, _) = try DelimitedTable.load(rt)
        let texts = try LabeledTextSet.fromTable(table, textColumn: "text", labelColumn: "label").texts
        let vocab = TextPipeline.fit(
            texts: texts, cleaner: TextCleaner(CleaningStep.tweetRecipe), tokenizer: .gloveWords, sequenceLength: 40
        ).vocabulary
        let t1 = now()
        let f = try GloVe.load(url, keeping: Set(vocab.tokens))
        let tf = now() - t1
        print(
            "| filtered to a \(vocab.count)-token vocabulary (\(f.words.count) found) | \(fmt(tf, 2)) | \(fmt(bytes / 1e6 / tf, 0)) | \(fmt(Double(f.matrix.count * 4) / 1_048_576, 1)) | | |"
        )
        print("")
    }

    static func text() throws {
        guard let rt = dataURL("rt-polarity.tsv") else { return }
        let (table, _) = try DelimitedTable.load(rt)
        let texts = try LabeledTextSet.fromTable(table, textColumn: "text", labelColumn: "label").texts
        let cleaner = TextCleaner(CleaningStep.tweetRecipe)
        let pipeline = TextPipeline.fit(
            texts: texts, cleaner: cleaner, tokenizer: .gloveWords, maxTokens: 20_000, sequenceLength: 40)
        let tClean = measure(minSeconds: 1, repeats: 2, warmup: 1) { for s in texts { _ = cleaner(s) } }
        let tAll = try measure(minSeconds: 1, repeats: 2, warmup: 1) { _ = try pipeline.encode(texts) }
        print("## Text pipeline on the \(texts.count) Rotten Tomatoes snippets")
        print("| stage | seconds | snippets/s |")
        print("|---|---|---|")
        print("| cleaning (tweet recipe, 8 steps) | \(fmt(tClean, 3)) | \(fmt(Double(texts.count) / tClean, 0)) |")
        print(
            "| cleaning + tokenizing + encoding + padding to 40 | \(fmt(tAll, 3)) | \(fmt(Double(texts.count) / tAll, 0)) |"
        )
        print("")
    }
}
