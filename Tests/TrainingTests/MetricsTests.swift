import Foundation
import Tensors
import Training
import XCTest

final class MetricsTests: XCTestCase {
    func testConfusionMatrixFiguresByHand() throws {
        // actual:    1 1 1 0 0 0 0 1
        // predicted: 1 1 0 0 0 1 0 1   → TP 3, FN 1, FP 1, TN 3
        let cm = try ConfusionMatrix(
            predicted: [1, 1, 0, 0, 0, 1, 0, 1], actual: [1, 1, 1, 0, 0, 0, 0, 1], classes: 2)
        XCTAssertEqual(cm.counts, [[3, 1], [1, 3]])
        XCTAssertEqual(cm.accuracy, 0.75)
        XCTAssertEqual(cm.value(of: "precision"), 0.75)
        XCTAssertEqual(cm.value(of: "recall"), 0.75)
        XCTAssertEqual(cm.value(of: "f1"), 0.75)
        let m = try ConfusionMatrix(predicted: [0, 1, 2, 2, 2], actual: [0, 1, 1, 2, 0], classes: 3)
        // class 0: P 1/1, R 1/2 → F1 2/3; class 1: P 1/1, R 1/2; class 2: P 1/3, R 1/1 → F1 0.5
        XCTAssertEqual(m.macroPrecision, (1 + 1 + 1.0 / 3) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.macroRecall, (0.5 + 0.5 + 1) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.macroF1, (2.0 / 3 + 2.0 / 3 + 0.5) / 3, accuracy: 1e-12)
        XCTAssertTrue(m.report(labels: ["a", "b", "c"]).contains("confusion matrix"))
        XCTAssertThrowsError(try ConfusionMatrix(predicted: [3], actual: [0], classes: 3))
    }

    func testTaskKindsReadPredictionsAndMasks() throws {
        let (p, a) = try TaskKind.binary(threshold: 0.5).classes(
            predictions: Tensor([0.2, 0.7, 0.5]), targets: Tensor([0, 0, 1]))
        XCTAssertEqual(p, [0, 1, 1])
        XCTAssertEqual(a, [0, 0, 1])
        let logits = try Tensor(shape: [1, 3, 2], scalars: [1, 0, 0, 1, 5, 0])
        let (sp, sa) = try TaskKind.sparse.classes(
            predictions: logits, targets: Tensor([0, 0, 1]).reshaped([1, 3]),
            mask: Tensor([1, 1, 0]).reshaped([1, 3]))
        XCTAssertEqual(sp, [0, 1])
        XCTAssertEqual(sa, [0, 0])
        let (cp, ca) = try TaskKind.categorical.classes(
            predictions: Tensor([0.1, 0.9, 0.8, 0.2]).reshaped([2, 2]),
            targets: Tensor([0, 1, 0, 1]).reshaped([2, 2]))
        XCTAssertEqual(cp, [1, 0])
        XCTAssertEqual(ca, [1, 1])
    }

    func testHistoryCSVAndJSON() throws {
        var h = History()
        h.epochs = [
            EpochLogs(epoch: 1, values: ["loss": 0.5, "val_loss": 0.6, "accuracy": 0.8, "lr": 0.001, "seconds": 1.5])
        ]
        XCTAssertEqual(h.csv(), "epoch,loss,accuracy,lr,seconds,val_loss\n1,0.5,0.8,0.001,1.5,0.6\n")
        let rows = try JSONSerialization.jsonObject(with: h.json()) as! [[String: Any]]
        XCTAssertEqual(rows[0]["val_loss"] as? Double, 0.6)
    }
}
