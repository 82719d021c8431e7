/// A seeded, reproducible random number generator (xoshiro256**, seeded through SplitMix64).
///
/// There is no global random state in Unroll: every initializer, dropout mask and shuffle takes
/// one of these explicitly, so the same seed gives the same numbers on every run and machine.
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let w = Tensor.randomNormal([3, 4], mean: 0, std: 0.1, using: &rng)
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// Creates a generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix()
        s1 = splitmix()
        s2 = splitmix()
        s3 = splitmix()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform Float in `[0, 1)` with 24 random bits.
    @inline(__always)
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Writes `count` floats to `p`, each 0 with probability `rate` and `keep` otherwise (a
    /// dropout mask): the values of `count` calls of `nextUnitFloat() < rate ? 0 : keep`, in one
    /// loop that keeps the state in registers (per call from another module, the generator cost
    /// 5–6 ns a value).
    ///
    /// ```swift
    /// rng.fillMask(p, count: n, rate: 0.3, keep: 1 / 0.7)
    /// ```
    public mutating func fillMask(_ p: UnsafeMutablePointer<Float>, count: Int, rate: Float, keep: Float) {
        var g = self
        for i in 0..<count { p[i] = g.nextUnitFloat() < rate ? 0 : keep }
        self = g
    }

    /// A standard normal sample (Box–Muller, one value per call for simplicity).
    public mutating func nextNormal() -> Float {
        var u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// A generator derived from this one's seed stream, for a sub-task (e.g. one layer's init).
    public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }
}

extension SeededGenerator {
    /// `0..<count` shuffled by this generator.
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        order.shuffle(using: &self)
        return order
    }

    /// The example order of epoch `epoch` in a run seeded with `seed`: a pure function of the two,
    /// so a resumed run (or a `BatchSampler`) sees exactly the batches an uninterrupted one does.
    public static func epochOrder(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var g = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x2545_F491_4F6C_DD1D)
        return g.permutation(count)
    }
}

#if canImport(Glibc)
    import Glibc
    @inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
    import Foundation
    @inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif
