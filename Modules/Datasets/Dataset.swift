import Tensors

/// A random-access collection of examples.
public protocol Dataset {
    associatedtype Element
    var count: Int { get }
    func element(at index: Int) throws -> Element
}

/// A dataset held in an array.
public struct ArrayDataset<Element>: Dataset {
    public var elements: [Element]
    public init(_ elements: [Element]) { self.elements = elements }
    public var count: Int { elements.count }
    public func element(at index: Int) throws -> Element {
        guard index >= 0 && index < elements.count else {
            throw DataError.invalid("index \(index) is outside 0..<\(elements.count)")
        }
        return elements[index]
    }
}

/// Mini-batches of indices, reshuffled every epoch from `(seed, epoch)` only, so a resumed run
/// sees the same batches.
public struct BatchSampler: Sendable {
    public let count: Int, batchSize: Int, seed: UInt64, shuffle: Bool
    public init(count: Int, batchSize: Int, seed: UInt64 = 0, shuffle: Bool = true) throws {
        guard batchSize > 0 else { throw DataError.invalid("batch size must be positive, got \(batchSize)") }
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
    }
    /// The batches of one epoch (the last may be smaller).
    public func batches(epoch: Int) -> [[Int]] {
        let order = shuffle ? SeededGenerator.epochOrder(count: count, seed: seed, epoch: epoch) : Array(0..<count)
        return stride(from: 0, to: count, by: batchSize).map { Array(order[$0..<min(count, $0 + batchSize)]) }
    }
}

/// Train / validation / test splits by fraction and seed.
public enum Split {
    /// Shuffles `0..<count` with `seed` and cuts it into parts of the given fractions (which must
    /// add up to 1); rounding leftovers go to the last part. Default: 80/20.
    public static func indices(count: Int, fractions: [Double] = [0.8, 0.2], seed: UInt64 = 0) throws -> [[Int]] {
        guard !fractions.isEmpty, fractions.allSatisfy({ $0 >= 0 }), abs(fractions.reduce(0, +) - 1) < 1e-9 else {
            throw DataError.invalid("split fractions \(fractions) must be non-negative and add up to 1")
        }
        var g = SeededGenerator(seed: seed)
        let order = g.permutation(count)
        var parts: [[Int]] = []
        var start = 0
        for (i, f) in fractions.enumerated() {
            let n = i == fractions.count - 1 ? count - start : Int((Double(count) * f).rounded(.down))
            parts.append(Array(order[start..<(start + n)]))
            start += n
        }
        return parts
    }
}
