import Foundation
import Tensors

/// The safetensors format (readable by Python's `safetensors` and PyTorch):
/// 8-byte little-endian header length N, N bytes of JSON header
/// `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`
/// (offsets relative to the end of the header), then the raw little-endian data.
///
/// ```swift
/// let data = try SafeTensors.encode(["dense_1.kernel": try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])])
/// let (tensors, _) = try SafeTensors.decode(data)   // tensors["dense_1.kernel"]: the same shape and values
/// ```
public enum SafeTensors {
    /// Largest header accepted when reading (guards against huge allocations from a bad file).
    public static let maxHeaderBytes = 100 << 20

    /// Serialises tensors (sorted by name) with optional string metadata.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for n in names {
            let t = tensors[n]!
            header[n] =
                ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.count * 4]] as [String: Any]
            offset += t.count * 4
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }  // pad with spaces to 8-byte alignment
        var out = Data(capacity: 8 + json.count + offset)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        for n in names {
            tensors[n]!.withUnsafeBufferPointer { buf in
                for v in buf {
                    var le = v.bitPattern.littleEndian
                    withUnsafeBytes(of: &le) { out.append(contentsOf: $0) }
                }
            }
        }
        return out
    }

    /// Parses and validates a safetensors file. When `expected` is given (name → shape), missing
    /// tensors, extra tensors and shape mismatches are errors naming the tensor.
    public static func decode(_ data: Data, path: String = "<memory>", expected: [String: [Int]]? = nil) throws -> (
        tensors: [String: Tensor], metadata: [String: String]
    ) {
        guard data.count >= 8 else {
            throw CheckpointError.format(
                path: path,
                message:
                    "not a valid safetensors file: file is \(data.count) bytes, shorter than the 8-byte header length")
        }
        let n = data.prefix(8).withUnsafeBytes { raw in UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) }
        guard n <= UInt64(data.count - 8) else {
            throw CheckpointError.format(
                path: path,
                message:
                    "not a valid safetensors file: header length \(n) runs past the end of the file (\(data.count) bytes); the file is truncated or corrupt"
            )
        }
        guard n <= UInt64(maxHeaderBytes) else {
            throw CheckpointError.format(
                path: path,
                message: "not a valid safetensors file: header length \(n) exceeds the \(maxHeaderBytes)-byte limit")
        }
        let headerData = data.subdata(in: 8..<(8 + Int(n)))
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw CheckpointError.format(
                path: path, message: "not a valid safetensors file: the header is not a JSON object")
        }
        let dataStart = 8 + Int(n)
        let dataSize = data.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else {
                    throw CheckpointError.format(
                        path: path, message: "not a valid safetensors file: __metadata__ must map strings to strings")
                }
                metadata = m
                continue
            }
            guard let e = value as? [String: Any] else {
                throw CheckpointError.tensor(path: path, name: name, message: "entry is not an object")
            }
            guard let dtype = e["dtype"] as? String else {
                throw CheckpointError.tensor(path: path, name: name, message: "missing dtype")
            }
            guard dtype == "F32" else {
                throw CheckpointError.tensor(
                    path: path, name: name, message: "unsupported dtype \(dtype) (Unroll reads F32)")
            }
            guard let shapeAny = e["shape"] as? [Any], let shape = intArray(shapeAny), shape.allSatisfy({ $0 >= 0 })
            else {
                throw CheckpointError.tensor(
                    path: path, name: name, message: "shape must be a list of non-negative integers")
            }
            guard let offAny = e["data_offsets"] as? [Any], let off = intArray(offAny), off.count == 2 else {
                throw CheckpointError.tensor(path: path, name: name, message: "data_offsets must be [begin, end]")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (m, o) = acc.0.multipliedReportingOverflow(by: d)
                return (m, acc.1 || o)
            }
            guard !overflow, off[0] >= 0, off[1] >= off[0], off[1] <= dataSize else {
                throw CheckpointError.tensor(
                    path: path, name: name, message: "data_offsets \(off) are outside the \(dataSize)-byte data section"
                )
            }
            guard !count.multipliedReportingOverflow(by: 4).overflow, off[1] - off[0] == count * 4 else {
                throw CheckpointError.tensor(
                    path: path, name: name,
                    message:
                        "data_offsets \(off) hold \(off[1] - off[0]) bytes but shape \(shape) of F32 needs \(count.multipliedReportingOverflow(by: 4).overflow ? "more" : String(count * 4))"
                )
            }
            entries.append((name, shape, off[0], off[1]))
        }
        // As Python's safetensors: the tensors' bytes follow one another from the start of the data
        // section, without gaps, and cover it exactly (a header length off by one shifted every
        // tensor by a byte and still loaded).
        let sorted = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.begin != a.end {
            throw CheckpointError.tensor(
                path: path, name: b.name,
                message: b.begin < a.end
                    ? "data overlaps tensor '\(a.name)'"
                    : "data starts at byte \(b.begin) but tensor '\(a.name)' ends at \(a.end): the data section has a gap"
            )
        }
        if let first = sorted.first, first.begin != 0 {
            throw CheckpointError.tensor(
                path: path, name: first.name,
                message: "data starts at byte \(first.begin), not at the start of the data section")
        }
        let covered = sorted.last?.end ?? 0
        guard covered == dataSize else {
            throw CheckpointError.format(
                path: path,
                message:
                    "not a valid safetensors file: the tensors cover \(covered) of the \(dataSize) data bytes (not fully covered: the header length or the file is wrong)"
            )
        }
        if let expected {
            for name in expected.keys.sorted() where !entries.contains(where: { $0.name == name }) {
                throw CheckpointError.tensor(path: path, name: name, message: "missing from the file")
            }
            for e in entries.sorted(by: { $0.name < $1.name }) {
                guard let shape = expected[e.name] else {
                    throw CheckpointError.tensor(
                        path: path, name: e.name, message: "is not a parameter of this model (extra tensor)")
                }
                guard shape == e.shape else {
                    throw CheckpointError.tensor(
                        path: path, name: e.name, message: "has shape \(e.shape) but the model expects \(shape)")
                }
            }
        }
        var tensors: [String: Tensor] = [:]
        data.withUnsafeBytes { raw in
            for e in entries {
                tensors[e.name] = Tensor(shape: e.shape) { p, count in
                    let base = raw.baseAddress! + dataStart + e.begin
                    for i in 0..<count {
                        p[i] = Float(bitPattern: UInt32(littleEndian: (base + 4 * i).loadUnaligned(as: UInt32.self)))
                    }
                }
            }
        }
        return (tensors, metadata)
    }

    /// Writes atomically.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(try encode(tensors, metadata: metadata), to: url)
    }

    /// Reads and validates a file.
    public static func read(_ url: URL, expected: [String: [Int]]? = nil) throws -> (
        tensors: [String: Tensor], metadata: [String: String]
    ) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError.io(path: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, path: url.path, expected: expected)
    }

    private static func intArray(_ a: [Any]) -> [Int]? {
        var out: [Int] = []
        for v in a {
            guard let n = v as? NSNumber else { return nil }
            let d = n.doubleValue
            guard d.isFinite, d == d.rounded(), abs(d) < 1e15 else { return nil }
            out.append(Int(d))
        }
        return out
    }
}
