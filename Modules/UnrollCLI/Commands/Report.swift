import ArgumentParser
import Foundation
import PluginRegistry
import Specs
import Tensors
import Training

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write report.html into a bundle: data, model, training, curves, test report, confusion matrix, gradient flow, history."
    )
    @Argument(help: "The bundle folder.") var bundle: String
    func run() throws {
        let b = try ModelBundle.load(url(bundle), registry: UnrollCLI.registry())
        let figures = try b.task.reportFigures(b)
        print(try BundleReport.writeHTML(url(bundle), summary: b.model.summary(), figures: figures).path)
    }
}
