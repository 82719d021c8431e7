// swift-format-ignore-file: AlwaysUseLowerCamelCase

// (H, the number of units, is the name of the cell equations in RecurrentKernel's documentation.)

/// The pointwise part of one recurrent step, for one batch row — everything but the matrix
/// products, which `RecurrentKernel` does with BLAS for the whole batch at once.
///
/// Per step the kernel hands the cell `x` (this row of `x_t·W + b`, `[gates·H]`) and `rec` (this
/// row of `h_{t−1}·R` (+ recurrent bias), `[gates·H]`). The cell writes `h_t`, `c_t` (cells
/// with a cell state) and what its backward needs (`saved`, `savedSlots·H` floats).
///
/// Backward gets `dh` (total ∂L/∂h_t) and `dc` (∂L/∂c_t from later steps) and writes every
/// element of the pre-activation gradients `dx` (w.r.t. `x`), `drec` (w.r.t. `rec`; unused when
/// `recurrentIsPreactivation`, i.e. `rec` only ever enters as `x + rec`), and the direct parts
/// `dhPrev`, `dcPrev` (the kernel adds `drec·Rᵀ` to `dhPrev`).
///
/// ```swift
/// let cell = LSTMCell()            // gates 4, savedSlots 4, hasCellState true
/// // a recurrent layer plugin declares `let cell = LSTMCell()` (or its own cell) and the three
/// // kernels; `RecurrentLayer` supplies the projection, the time loop and BPTT
/// ```
public protocol RecurrentCell {
    /// Number of gate blocks of width H in `x` and `rec` (SimpleRNN 1, GRU 3, LSTM 4).
    var gates: Int { get }
    /// H-sized slots of saved activations per step.
    var savedSlots: Int { get }
    /// Whether the cell carries `c` besides `h` (LSTM).
    var hasCellState: Bool { get }
    /// Whether `rec` enters only through `x + rec` (then `drec = dx` and is not written).
    var recurrentIsPreactivation: Bool { get }
    /// The gates (saved activation slots) whose saturation diagnostics report.
    var gateSlots: [GateSlot] { get }
    /// One step for one sequence written plainly for `unroll trace`, which checks the fused
    /// kernel against it; the default runs `forwardRow` and reads the gates at `gateSlots`.
    func referenceStep(units: Int, x: [Float], rec: [Float], hPrev: [Float], cPrev: [Float]) -> ReferenceStep

    func forwardRow(
        units H: Int, x: UnsafePointer<Float>, rec: UnsafePointer<Float>,
        hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
        h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, saved: UnsafeMutablePointer<Float>)

    func backwardRow(
        units H: Int, dh: UnsafePointer<Float>, dc: UnsafePointer<Float>,
        hPrev: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
        h: UnsafePointer<Float>, c: UnsafePointer<Float>, saved: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, drec: UnsafeMutablePointer<Float>,
        dhPrev: UnsafeMutablePointer<Float>, dcPrev: UnsafeMutablePointer<Float>)
}
