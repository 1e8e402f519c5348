import Foundation

/// A safetensors file: an 8-byte little-endian header length N, N bytes of JSON describing each tensor
/// (dtype, shape, byte offsets relative to the data that follows), then the raw little-endian data.
///
/// The header is checked in full before any tensor is read: its length against a limit and the file, its JSON
/// shape and nesting, every dtype, shape and byte size, and the offsets, which must tile the data region exactly
/// (no overlap, no gap, nothing past the end). A hostile file is therefore an error, never an out-of-bounds read.
public final class SafeTensorsFile: @unchecked Sendable {
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        /// Byte range inside the data region.
        public let byteRange: Range<Int>
    }

    /// Headers beyond this are refused (the reference implementation's limit is 100 MB as well).
    public static let headerByteLimit = 100_000_000

    public let entries: [String: Entry]
    public let metadata: [String: String]
    /// The file's path, for error messages; nil for bytes held in memory.
    public let path: String?
    private let bytes: MappedBytes
    private let dataStart: Int
    /// The names of the tensors read so far, so a network built from the file can be checked to use them all.
    private var namesRead = Set<String>()
    private let namesReadLock = NSLock()

    /// Memory-maps the file at `url`.
    public convenience init(contentsOf url: URL) throws {
        try self.init(bytes: MappedBytes(contentsOf: url), path: url.path)
    }

    /// Reads a file held in memory.
    public convenience init(data: Data) throws {
        try self.init(bytes: MappedBytes(copying: data), path: nil)
    }

    private init(bytes: MappedBytes, path: String?) throws {
        self.bytes = bytes
        self.path = path
        guard bytes.count >= 8 else { throw SafeTensorsError.malformedHeader("file of \(bytes.count) bytes has no header length") }
        let declared = bytes.base.loadUnaligned(as: UInt64.self).littleEndian
        guard declared <= UInt64(Self.headerByteLimit) else {
            throw SafeTensorsError.malformedHeader("header length \(declared) exceeds the limit of \(Self.headerByteLimit) bytes")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw SafeTensorsError.malformedHeader("header length \(headerLength) runs past the end of a \(bytes.count)-byte file")
        }
        let header = Data(bytes: bytes.base + 8, count: headerLength)
        dataStart = 8 + headerLength
        (entries, metadata) = try Self.parseHeader(header, dataSize: bytes.count - dataStart)
    }

    public var names: [String] { entries.keys.sorted() }

    public func shape(of name: String) throws -> [Int] {
        guard let entry = entries[name] else { throw SafeTensorsError.missingTensor(name) }
        return entry.shape
    }

    /// The tensor `name` as Float32 (F32 copied, F16 and BF16 widened exactly). The file's pages the tensor
    /// occupied are released after the copy: a model holds its weights once, as Float32.
    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw SafeTensorsError.missingTensor(name) }
        guard entry.dtype.convertsToFloat32 else {
            throw SafeTensorsError.unsupportedDType(name: name, dtype: entry.dtype.rawValue)
        }
        namesReadLock.withLock { _ = namesRead.insert(name) }
        let elementCount = entry.shape.reduce(1, *)
        var values = [Float](repeating: 0, count: elementCount)
        let source = bytes.base + dataStart + entry.byteRange.lowerBound
        values.withUnsafeMutableBufferPointer { output in
            guard let out = output.baseAddress, elementCount > 0 else { return }
            switch entry.dtype {
            case .f32:
                // The format is little-endian, as is every platform this package builds for.
                UnsafeMutableRawPointer(out).copyMemory(from: source, byteCount: elementCount * 4)
            case .f16:
                concurrentChunks(count: elementCount, minimumChunk: 1 << 18) { range in
                    for index in range {
                        out[index] = float32(fromHalfBits: source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self).littleEndian)
                    }
                }
            case .bf16:
                concurrentChunks(count: elementCount, minimumChunk: 1 << 18) { range in
                    for index in range {
                        out[index] = float32(fromBFloat16Bits: source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self).littleEndian)
                    }
                }
            default:
                break
            }
        }
        bytes.discard((dataStart + entry.byteRange.lowerBound)..<(dataStart + entry.byteRange.upperBound))
        return Tensor(shape: entry.shape, scalars: values)
    }

    /// The names of the tensors no `tensor(named:)` call has read yet, sorted.
    package var unreadNames: [String] {
        namesReadLock.withLock { entries.keys.filter { !namesRead.contains($0) } }.sorted()
    }

    // MARK: - Header validation

    private static let maximumNesting = 4

    package static func parseHeader(_ header: Data, dataSize: Int) throws -> ([String: Entry], [String: String]) {
        guard String(data: header, encoding: .utf8) != nil else {
            throw SafeTensorsError.malformedHeader("header is not UTF-8")
        }
        // The format nests three levels deep; refusing deeper input up front keeps the JSON parser's recursion
        // bounded whatever the file holds. The JSON parser keeps one of two equal keys, silently.
        try checkStructure(header)
        let root: RawHeader
        do {
            root = try JSONDecoder().decode(RawHeader.self, from: header)
        } catch let error as SafeTensorsError {
            throw error
        } catch {
            throw SafeTensorsError.malformedHeader("header is not the expected JSON object (\(error))")
        }

        var entries: [String: Entry] = [:]
        for (name, raw) in root.tensors {
            guard let dtype = SafeTensorsDType(rawValue: raw.dtype) else {
                throw SafeTensorsError.malformedHeader("tensor \"\(name)\" has unknown dtype \"\(raw.dtype)\"")
            }
            guard raw.shape.allSatisfy({ $0 >= 0 }) else {
                throw SafeTensorsError.malformedHeader("tensor \"\(name)\" has a negative dimension in \(raw.shape)")
            }
            var elements = 1
            for dimension in raw.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw SafeTensorsError.malformedHeader("tensor \"\(name)\" shape \(raw.shape) overflows") }
                elements = product
            }
            let (byteCount, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow else { throw SafeTensorsError.malformedHeader("tensor \"\(name)\" shape \(raw.shape) overflows") }
            guard raw.dataOffsets.count == 2 else {
                throw SafeTensorsError.malformedHeader("tensor \"\(name)\" needs data_offsets [begin, end]")
            }
            let (begin, end) = (raw.dataOffsets[0], raw.dataOffsets[1])
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw SafeTensorsError.malformedHeader("tensor \"\(name)\" offsets [\(begin), \(end)) lie outside the \(dataSize)-byte data")
            }
            guard end - begin == byteCount else {
                throw SafeTensorsError.malformedHeader(
                    "tensor \"\(name)\" spans \(end - begin) bytes but \(dtype.rawValue) \(raw.shape) needs \(byteCount)")
            }
            entries[name] = Entry(name: name, dtype: dtype, shape: raw.shape, byteRange: begin..<end)
        }

        var expected = 0
        for entry in entries.values.sorted(by: { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }) {
            guard entry.byteRange.lowerBound == expected else {
                throw SafeTensorsError.malformedHeader(entry.byteRange.lowerBound < expected
                    ? "tensor \"\(entry.name)\" overlaps the tensor before it"
                    : "gap of \(entry.byteRange.lowerBound - expected) bytes before tensor \"\(entry.name)\"")
            }
            expected = entry.byteRange.upperBound
        }
        guard expected == dataSize else {
            throw SafeTensorsError.malformedHeader("tensors cover \(expected) bytes of a \(dataSize)-byte data region")
        }
        return (entries, root.metadata)
    }

    /// Checks the nesting depth and that no object repeats a key, in one linear pass over the bytes: a header
    /// naming a tensor twice would otherwise load whichever entry the parser kept.
    private static func checkStructure(_ header: Data) throws {
        // Per open container: whether it is an object, the keys seen in it, and whether a key comes next.
        var open: [(isObject: Bool, keys: Set<[UInt8]>, expectingKey: Bool)] = []
        var inString = false, escaped = false, hasEscape = false
        var text: [UInt8] = []
        for byte in header {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                    hasEscape = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if let last = open.indices.last, open[last].isObject, open[last].expectingKey {
                        open[last].expectingKey = false
                        let key = hasEscape ? unescaped(text) : text
                        guard open[last].keys.insert(key).inserted else {
                            throw SafeTensorsError.malformedHeader("header names \"\(String(decoding: key, as: UTF8.self))\" twice")
                        }
                    }
                    continue
                }
                text.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                hasEscape = false
                text.removeAll(keepingCapacity: true)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = byte == UInt8(ascii: "{")
                open.append((isObject, [], isObject))
                if open.count > maximumNesting { throw SafeTensorsError.malformedHeader("header JSON nests deeper than \(maximumNesting) levels") }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !open.isEmpty { open.removeLast() }
            case UInt8(ascii: ","):
                if let last = open.indices.last, open[last].isObject { open[last].expectingKey = true }
            default: break
            }
        }
    }

    /// A key's bytes with its JSON escapes resolved, so `"a"` and `"\u0061"` count as the same key.
    private static func unescaped(_ text: [UInt8]) -> [UInt8] {
        let quoted = Data([UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")])
        guard let value = try? JSONSerialization.jsonObject(with: quoted, options: .fragmentsAllowed) as? String else { return text }
        return Array(value.utf8)
    }
}

/// The header's JSON: tensor entries keyed by name, plus an optional `__metadata__` map of strings.
private struct RawHeader: Decodable {
    package struct RawEntry: Decodable {
        package let dtype: String
        package let shape: [Int]
        package let dataOffsets: [Int]
        package enum CodingKeys: String, CodingKey { case dtype, shape, dataOffsets = "data_offsets" }
    }

    package struct NameKey: CodingKey {
        package let stringValue: String
        package init(stringValue: String) { self.stringValue = stringValue }
        package var intValue: Int? { nil }
        package init?(intValue: Int) { nil }
    }

    package let tensors: [String: RawEntry]
    package let metadata: [String: String]

    package init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: NameKey.self)
        var tensors: [String: RawEntry] = [:]
        var metadata: [String: String] = [:]
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                tensors[key.stringValue] = try container.decode(RawEntry.self, forKey: key)
            }
        }
        self.tensors = tensors
        self.metadata = metadata
    }
}
