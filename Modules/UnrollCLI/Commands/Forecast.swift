import ArgumentParser
import Foundation
import PluginRegistry
import Specs

struct Forecast: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forecast a series past its end with a forecasting bundle (direct, then recursive).")
    @Argument(help: "The bundle folder.") var bundle: String
    @Option(help: "The series (a CSV like the training data); its last steps are the model's input.") var data: String
    @Option(help: "Steps to forecast (at most 100,000).") var steps = 1
    @Flag(help: "JSON output.") var json = false
    func run() throws {
        let f = try Runner(registry: UnrollCLI.registry()).forecast(bundle: url(bundle), data: url(data), steps: steps)
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            print(String(decoding: try e.encode(f), as: UTF8.self))
            return
        }
        print("step\t" + f.columns.joined(separator: "\t"))
        for (k, row) in f.values.enumerated() {
            print(
                "\(k + 1)\(k >= f.direct ? "*" : "")\t" + row.map { String(format: "%.6g", $0) }.joined(separator: "\t")
            )
        }
        if f.values.count > f.direct { print("* fed back: forecast from earlier forecasts") }
    }
}
