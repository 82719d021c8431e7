// swift-format-ignore-file: AlwaysUseLowerCamelCase

import CKernels
import Foundation
import XCTest

/// The LSTM, GRU and SimpleRNN steps and Adam in every kernel variant this CPU has give the baseline variant's
/// results (FMA rounds differently, so to 1e-5), on random rows that exercise every gate range.
final class KernelVariantTests: XCTestCase {
    func values(_ n: Int, seed: UInt32, scale: Float = 3) -> [Float] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 1_664_525 &+ 1_013_904_223
            return (Float(s >> 8) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    /// Runs the LSTM forward and backward rows and an Adam step; returns everything they wrote.
    func runKernels() -> [Float] {
        let H = 37  // not a multiple of 16: remainder loops too
        let x = values(4 * H, seed: 1)
        let rec = values(4 * H, seed: 2)
        let cPrev = values(H, seed: 3)
        var h = [Float](repeating: 0, count: H)
        var c = h
        var g = [Float](repeating: 0, count: 4 * H)
        unroll_lstm_forward_row(H, x, rec, cPrev, &h, &c, &g)
        let dh = values(H, seed: 4, scale: 1)
        let dc = values(H, seed: 5, scale: 1)
        var dx = [Float](repeating: 0, count: 4 * H)
        var dcPrev = [Float](repeating: 0, count: H)
        unroll_lstm_backward_row(H, dh, dc, cPrev, c, g, &dx, &dcPrev)
        let hPrev = values(H, seed: 10, scale: 1)
        var gh = [Float](repeating: 0, count: H)
        var gs = [Float](repeating: 0, count: 4 * H)
        unroll_gru_forward_row(H, x, rec, hPrev, &gh, &gs)
        var gdx = [Float](repeating: 0, count: 3 * H)
        var gdrec = gdx
        var gdh = [Float](repeating: 0, count: H)
        unroll_gru_backward_row(H, dh, hPrev, gs, &gdx, &gdrec, &gdh)
        var rnn: [Float] = []
        for act in [UNROLL_ACT_LINEAR, UNROLL_ACT_TANH, UNROLL_ACT_SIGMOID, UNROLL_ACT_RELU] {
            var rh = [Float](repeating: 0, count: H)
            var rdx = rh
            unroll_rnn_forward_row(H, Int32(act), x, rec, &rh)
            unroll_rnn_backward_row(H, Int32(act), dh, rh, &rdx)
            rnn += rh + rdx
        }
        var m = values(53, seed: 6, scale: 0.1)
        var v = values(53, seed: 7, scale: 0.1).map(abs)
        var p = values(53, seed: 8)
        var grad = values(53, seed: 9)
        unroll_adam(53, &m, &v, &p, &grad, 0.9, 0.999, 0.1, 0.001, 0.01, 1e-7)
        return h + c + g + dx + dcPrev + m + v + p + gh + gs + gdx + gdrec + gdh + rnn
    }

    func testEveryVariantMatchesTheBaseline() {
        var reference: [Float] = []
        let ran = forEachKernelVariant { isa in
            let out = runKernels()
            XCTAssertTrue(out.allSatisfy(\.isFinite))
            if reference.isEmpty {
                reference = out
                return
            }  // the baseline runs first
            for (i, (a, b)) in zip(out, reference).enumerated() {
                XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), "variant \(isa), value \(i)")
            }
        }
        XCTAssertEqual(ran.first, Int32(UNROLL_ISA_BASELINE))
        print(
            "kernel variants compared (0 baseline, 1 AVX2+FMA, 2 AVX-512): \(ran), chosen at load: \(unroll_kernels_isa())"
        )
        // The LSTM step against its equations, on one unit (baseline values).
        let (x, rec, cPrev) = (values(4 * 37, seed: 1), values(4 * 37, seed: 2), values(37, seed: 3))
        let sig = { (v: Float) in 1 / (1 + expf(-v)) }
        let (i0, f0, g0, o0) = (
            sig(x[0] + rec[0]), sig(x[37] + rec[37]), tanhf(x[74] + rec[74]), sig(x[111] + rec[111])
        )
        let c0 = f0 * cPrev[0] + i0 * g0
        XCTAssertEqual(reference[37], c0, accuracy: 1e-5)  // c[0]
        XCTAssertEqual(reference[0], o0 * tanhf(c0), accuracy: 1e-5)  // h[0]
    }

    /// The scatter-add of rows by slot, in every variant, against a plain loop: 37 columns of a
    /// 40-wide source (strides, remainder), slots repeating and out of order.
    func testAddRowsMatchesALoopInEveryVariant() {
        let (rows, n, lds, ldd) = (9, 37, 40, 38)
        let src = values(rows * lds, seed: 11)
        let slots = [2, 0, 2, 4, 1, 0, 2, 3, 4]
        var expected = values(5 * ldd, seed: 12)
        let start = expected
        for r in 0..<rows { for c in 0..<n { expected[slots[r] * ldd + c] += src[r * lds + c] } }
        let ran = forEachKernelVariant { isa in
            var dst = start
            unroll_add_rows(rows, n, src, lds, slots, &dst, ldd)
            XCTAssertEqual(dst, expected, "variant \(isa)")  // same additions in the same order: same bits
        }
        XCTAssertFalse(ran.isEmpty)
    }

    /// Softmax cross-entropy rows in every variant against double precision: 37 classes (two
    /// 16-lane blocks and a remainder) and 5 (remainder only), logits up to ±1000 (no overflow),
    /// and a NaN logit giving a NaN loss.
    func testSoftmaxCrossEntropyRowsInEveryVariant() {
        for n in [37, 5] {
            let rows = 4
            var x = values(rows * n, seed: 13, scale: 8)
            x[n + 3] = 1000
            x[n + 7] = 999  // row 1: huge logits
            x[2 * n] = -1000  // row 2: a tiny one
            let targets = [0, 3, 1, n - 1]
            var expectedLoss: [Double] = []
            var expectedSoft: [Double] = []
            for r in 0..<rows {
                let row = x[(r * n)..<((r + 1) * n)].map(Double.init)
                let m = row.max()!
                let sum = row.reduce(0) { $0 + Foundation.exp($1 - m) }
                expectedLoss.append(m + Foundation.log(sum) - row[targets[r]])
                expectedSoft += row.map { Foundation.exp($0 - m) / sum }
            }
            let ran = forEachKernelVariant { isa in
                var soft = [Float](repeating: 0, count: rows * n)
                var loss = [Float](repeating: 0, count: rows)
                unroll_softmax_xent_rows(rows, n, x, targets, &soft, &loss)
                for r in 0..<rows {
                    XCTAssertEqual(
                        Double(loss[r]), expectedLoss[r], accuracy: 1e-5 * max(1, abs(expectedLoss[r])),
                        "variant \(isa), n \(n), row \(r)")
                }
                for (i, p) in soft.enumerated() {
                    XCTAssertEqual(Double(p), expectedSoft[i], accuracy: 1e-6, "variant \(isa), n \(n), element \(i)")
                }
                var bad = x
                bad[n + 20 % n] = .nan
                unroll_softmax_xent_rows(rows, n, bad, targets, &soft, &loss)
                XCTAssertTrue(loss[1].isNaN, "variant \(isa): a NaN logit must not vanish from the loss")
                XCTAssertEqual(Double(loss[0]), expectedLoss[0], accuracy: 1e-5 * max(1, abs(expectedLoss[0])))
            }
            XCTAssertFalse(ran.isEmpty)
        }
    }

    /// One-hot rows read back in every variant: 37 columns, a padding row, and each way a row can
    /// fail (a second 1, a 2, NaN, −0 is still zero), with the failing row's index returned.
    func testOneHotIDsInEveryVariant() {
        let depth = 37
        var x = [Float](repeating: 0, count: 5 * depth)
        for (r, id) in [(0, 36), (1, 0), (3, 17), (4, 20)] { x[r * depth + id] = 1 }
        x[2 * depth + 5] = -0.0  // row 2: padding (−0 is zero)
        let ran = forEachKernelVariant { isa in
            var ids = [Float](repeating: -1, count: 5)
            XCTAssertEqual(unroll_onehot_ids(5, depth, x, &ids), 5, "variant \(isa)")
            XCTAssertEqual(ids, [36, 0, 37, 17, 20], "variant \(isa)")
            for (flat, value, row) in [
                (3 * depth + 30, Float(1), 3), (4 * depth + 20, 2, 4), (depth + 36, .nan, 1), (2 * depth + 1, 0.5, 2),
            ] {
                var y = x
                y[flat] = value
                XCTAssertEqual(unroll_onehot_ids(5, depth, y, &ids), row, "variant \(isa), element \(flat) = \(value)")
            }
        }
        XCTAssertFalse(ran.isEmpty)
    }
}
