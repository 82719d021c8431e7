/// Elementwise arithmetic with broadcasting. Each op states its derivative beside it;
/// gradients are summed back to each operand's shape (`sumToShape`).
extension Tensor {
    /// `a + b`.  ∂/∂a = 1, ∂/∂b = 1.
    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        var out = try broadcastMap(a, b, op: "add", +)
        let (sa, sb) = (a.shape, b.shape)
        record("add", output: &out, inputs: [a, b]) { g in [try g.sumToShape(sa), try g.sumToShape(sb)] }
        return out
    }

    /// `a − b`.  ∂/∂a = 1, ∂/∂b = −1.
    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        var out = try broadcastMap(a, b, op: "sub", -)
        let (sa, sb) = (a.shape, b.shape)
        let needB = b.requiresGrad
        record("sub", output: &out, inputs: [a, b]) { g in
            [try g.sumToShape(sa), needB ? try g.sumToShape(sb).scaled(by: -1) : nil]
        }
        return out
    }

    /// `a ⊙ b` (elementwise).  ∂/∂a = b, ∂/∂b = a.
    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        var out = try broadcastMap(a, b, op: "mul", *)
        let (ca, cb) = (a.detached(), b.detached())
        let (needA, needB) = (a.requiresGrad, b.requiresGrad)
        record("mul", output: &out, inputs: [a, b]) { g in
            [
                needA ? try broadcastMap(g, cb, op: "mul", *).sumToShape(ca.shape) : nil,
                needB ? try broadcastMap(g, ca, op: "mul", *).sumToShape(cb.shape) : nil,
            ]
        }
        return out
    }

    /// `a ⊘ b` (elementwise).  ∂/∂a = 1/b, ∂/∂b = −a/b².
    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        var out = try broadcastMap(a, b, op: "div", /)
        let (ca, cb) = (a.detached(), b.detached())
        let (needA, needB) = (a.requiresGrad, b.requiresGrad)
        record("div", output: &out, inputs: [a, b]) { g in
            let da = needA ? try broadcastMap(g, cb, op: "div", /).sumToShape(ca.shape) : nil
            var db: Tensor? = nil
            if needB {
                let q = try broadcastMap(ca, cb, op: "div") { x, y in -x / (y * y) }
                db = try broadcastMap(g, q, op: "mul", *).sumToShape(cb.shape)
            }
            return [da, db]
        }
        return out
    }

    /// `−a`.  ∂/∂a = −1.
    public static prefix func - (a: Tensor) -> Tensor { a.scaled(by: -1) }

    /// `a · s` for a constant scalar `s`.  ∂/∂a = s.
    public func scaled(by s: Float) -> Tensor {
        var out = mapElements { $0 * s }
        Tensor.record("scale", output: &out, inputs: [self]) { g in [g.scaled(by: s)] }
        return out
    }

    /// `a + s` for a constant scalar `s`.  ∂/∂a = 1.
    public func shifted(by s: Float) -> Tensor {
        var out = mapElements { $0 + s }
        Tensor.record("shift", output: &out, inputs: [self]) { g in [g] }
        return out
    }

    /// Applies `f` to each element; no tape (a building block for ops).
    @inline(__always)
    public func mapElements(_ f: (Float) -> Float) -> Tensor {
        Tensor(shape: shape) { dst, n in
            withUnsafeBufferPointer { src in for i in 0..<n { dst[i] = f(src[i]) } }
        }
    }

    /// A copy with `f(pointer, count)` applied to its elements in place (the FastMath array forms); no tape.
    @inline(__always)
    func mapInPlace(_ f: (UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        Tensor(shape: shape) { dst, n in
            withUnsafeBufferPointer { src in dst.update(from: src.baseAddress!, count: n) }
            f(dst, n)
        }
    }

    /// Combines two tensors of the same shape elementwise; no tape.
    @inline(__always)
    static func zipElements(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
        guard a.shape == b.shape else {
            throw TensorError.shapeMismatch(op: "zipElements", lhs: a.shape, rhs: b.shape, detail: "differ")
        }
        return Tensor(shape: a.shape) { dst, n in
            a.withUnsafeBufferPointer { x in
                b.withUnsafeBufferPointer { y in for i in 0..<n { dst[i] = f(x[i], y[i]) } }
            }
        }
    }
}
