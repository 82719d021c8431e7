import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How `fit` reports progress.
public enum Verbosity: String, Codable, CaseIterable, Sendable {
    /// A live bar on a terminal, one line per epoch otherwise.
    case auto
    /// Always the live bar.
    case bar
    /// One line per epoch.
    case epochs
    /// Nothing.
    case quiet
}

/// Prints Keras-like progress: `12/320 [===>......] - ETA: 29s - 1350 samples/s - loss: 0.6931 -
/// accuracy: 0.5100` on a terminal (the time left counting down), and each epoch's line with its
/// throughput in samples/s.
final class ProgressPrinter {
    let mode: Verbosity
    let totalSteps: Int
    let epochs: Int
    /// Training examples per epoch (for samples/s).
    let samples: Int
    private var start = 0.0
    private var lastDraw = -1.0

    init(verbosity: Verbosity, totalSteps: Int, epochs: Int, samples: Int = 0) {
        self.totalSteps = totalSteps
        self.epochs = epochs
        self.samples = samples
        if verbosity == .auto { mode = isatty(STDOUT_FILENO) != 0 ? .bar : .epochs } else { mode = verbosity }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    func beginEpoch(_ epoch: Int) {
        start = ProgressPrinter.now()
        lastDraw = -1
        if mode == .bar { print("Epoch \(epoch)/\(epochs)") }
    }

    /// Redraws the bar after step `n` (at most every 0.1 s, and at the last step); `logs` — the
    /// running loss and metrics — is read only when it draws. The line is redrawn in place
    /// (`\r`, then erase to the end of the line, so a shorter line leaves nothing behind) through
    /// the same buffered stdout as every other line, flushed, so it never overtakes them.
    func step(_ n: Int, logs: () -> [String: Double]) {
        guard mode == .bar else { return }
        let t = ProgressPrinter.now()
        guard n == totalSteps || t - lastDraw > 0.1 else { return }
        lastDraw = t
        let line = ProgressPrinter.barLine(
            step: n, of: totalSteps, elapsed: t - start, samples: samples, logs: logs())
        fputs("\r" + line + "\u{1B}[K" + (n == totalSteps ? "\n" : ""), stdout)
        fflush(stdout)
    }

    /// The bar as Keras draws it: during the epoch `12/320 [===>....] - ETA: 29s - 1350 samples/s
    /// - loss: 0.6931 - accuracy: 0.5100` (the time left counting down), and at its end
    /// `320/320 [======] - 41s 128ms/step - 1350 samples/s - loss: …`.
    static func barLine(step n: Int, of total: Int, elapsed: Double, samples: Int, logs: [String: Double]) -> String {
        let width = 30
        let done = Int(Double(width) * Double(n) / Double(max(total, 1)))
        let bar =
            String(repeating: "=", count: max(0, done - 1)) + (done > 0 ? (n == total ? "=" : ">") : "")
            + String(repeating: ".", count: width - done)
        let perStep = elapsed / Double(max(n, 1))
        let seen = Double(samples) * Double(n) / Double(max(total, 1))
        let rate = elapsed > 0 && samples > 0 ? " - \(Int((seen / elapsed).rounded())) samples/s" : ""
        let time =
            n >= total
            ? "\(ProgressPrinter.time(elapsed)) \(String(format: perStep * 1000 < 10 ? "%.2f" : "%.0f", perStep * 1000))ms/step"
            : "ETA: \(ProgressPrinter.time(perStep * Double(total - n)))"
        return "\(n)/\(total) [\(bar)] - \(time)\(rate)\(ProgressPrinter.format(logs))"
    }

    /// ` - 14,200 samples/s` for an epoch of `seconds`, or nothing when it cannot be said.
    func throughput(_ seconds: Double?) -> String {
        guard let seconds, seconds > 0, samples > 0 else { return "" }
        let rate = Double(samples) / seconds
        return " - " + (rate >= 100 ? "\(Int(rate.rounded()))" : String(format: "%.1f", rate)) + " samples/s"
    }

    func endEpoch(_ epoch: Int, logs: [String: Double]) {
        switch mode {
        case .bar:  // the bar showed the running loss; metrics are computed once the epoch is done
            print(
                " ⤷\(ProgressPrinter.format(logs.filter { !["loss", "seconds"].contains($0.key) }))\(throughput(logs["seconds"]))"
            )
        case .epochs, .auto:
            print(
                "Epoch \(epoch)/\(epochs) - \(totalSteps) steps - \(String(format: "%.1fs", logs["seconds"] ?? 0))\(throughput(logs["seconds"]))\(ProgressPrinter.format(logs.filter { $0.key != "seconds" }))"
            )
        case .quiet: break
        }
        fflush(stdout)
    }

    /// After the first epoch of a long request: how long all of it would take, when that is
    /// over a day (`epochs: 9223372036854775807` otherwise ran on without a word).
    func noteDuration(epochSeconds: Double, remaining: Int) {
        guard mode != .quiet, let note = ProgressPrinter.durationNote(epochSeconds: epochSeconds, remaining: remaining)
        else { return }
        print(note)
        fflush(stdout)
    }

    /// The note `noteDuration` prints, or nil when the rest takes a day or less.
    static func durationNote(epochSeconds: Double, remaining: Int) -> String? {
        let total = epochSeconds * Double(remaining)
        guard remaining > 0, total > 86_400 else { return nil }
        let years = total / 31_557_600
        let said = years >= 1 ? String(format: "%.3g years", years) : String(format: "%.1f days", total / 86_400)
        return
            "note: \(remaining) more epochs at \(String(format: "%.2g", epochSeconds)) s each will take about \(said); stop with Ctrl-C (a model_checkpoint callback keeps what is done) or lower epochs"
    }

    static func time(_ s: Double) -> String {
        s < 60
            ? String(format: "%.0fs", s)
            : String(format: "%.0fm%02.0fs", (s / 60).rounded(.down), s.truncatingRemainder(dividingBy: 60))
    }

    static func format(_ logs: [String: Double]) -> String {
        logs.keys.sorted {
            ($0.hasPrefix("val_") ? 1 : 0, $0 == "loss" || $0 == "val_loss" ? 0 : 1, $0) < (
                $1.hasPrefix("val_") ? 1 : 0, $1 == "loss" || $1 == "val_loss" ? 0 : 1, $1
            )
        }
        .map { k in " - \(k): " + (k == "lr" ? String(format: "%.3g", logs[k]!) : String(format: "%.4f", logs[k]!)) }
        .joined()
    }
}
