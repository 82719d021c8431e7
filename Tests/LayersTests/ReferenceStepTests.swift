import Foundation
import Layers
import Tensors
import XCTest

/// A plugin-style cell that writes no reference step: `trace` then runs its `forwardRow`.
private struct KernelOnly<C: RecurrentCell>: RecurrentCell {
    let inner: C
    var gates: Int { inner.gates }
    var savedSlots: Int { inner.savedSlots }
    var hasCellState: Bool { inner.hasCellState }
    var recurrentIsPreactivation: Bool { inner.recurrentIsPreactivation }
    var gateSlots: [GateSlot] { inner.gateSlots }
    func forwardRow(
        units: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>, h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>,
        saved: UnsafeMutablePointer<Float>
    ) { inner.forwardRow(units: units, x: x, rec: rec, hPrev: hPrev, cPrev: cPrev, h: h, c: c, saved: saved) }
    func backwardRow(
        units: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>, h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>, dhPrev: UnsafeMutablePointer<Float>,
        dcPrev: UnsafeMutablePointer<Float>
    ) {
        inner.backwardRow(
            units: units, dh: dh, dc: dc, hPrev: hPrev, cPrev: cPrev, h: h, c: c, saved: saved, dx: dx, drec: drec,
            dhPrev: dhPrev, dcPrev: dcPrev)
    }
}

final class ReferenceStepTests: XCTestCase {
    /// The written-out equations of the built-in cells agree with their C kernels, as read by the
    /// default reference step a plugin cell gets (gates from `gateSlots`, state from `forwardRow`).
    func testWrittenOutStepsAgreeWithTheKernelStep() {
        let n = 5
        var rng = SeededGenerator(seed: 3)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in rng.nextUnitFloat() * 4 - 2 } }
        let cells: [any RecurrentCell] = [LSTMCell(), GRUCell(), SimpleRNNCell(activation: .tanh)]
        for cell in cells {
            let (x, rec, hPrev, cPrev) = (values(cell.gates * n), values(cell.gates * n), values(n), values(n))
            let written = cell.referenceStep(units: n, x: x, rec: rec, hPrev: hPrev, cPrev: cPrev)
            func viaKernel<C: RecurrentCell>(_ c: C) -> ReferenceStep {
                KernelOnly(inner: c).referenceStep(units: n, x: x, rec: rec, hPrev: hPrev, cPrev: cPrev)
            }
            let kernel = viaKernel(cell)
            XCTAssertEqual(written.hidden.count, n)
            for (a, b) in zip(written.hidden, kernel.hidden) { XCTAssertEqual(a, b, accuracy: 1e-5, "\(cell)") }
            XCTAssertEqual(written.cell != nil, cell.hasCellState)
            for (a, b) in zip(written.cell ?? [], kernel.cell ?? []) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            for (name, gate) in kernel.gates {
                for (a, b) in zip(written.gates[name]!, gate) { XCTAssertEqual(a, b, accuracy: 1e-5, name) }
            }
            XCTAssertEqual(kernel.gates.count, cell.gateSlots.filter { $0.slot >= 0 }.count)
        }
    }
}
