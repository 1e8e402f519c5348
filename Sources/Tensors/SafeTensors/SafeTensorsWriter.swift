import Foundation
import FileAccess

/// Writes Float32 tensors (and tensors of other dtypes given as raw bytes) as a safetensors file: names sorted,
/// data in that order, header padded with spaces to a multiple of 8 bytes so the data starts aligned.
public enum SafeTensorsWriter {
    /// A tensor stored as given: its dtype, shape and little-endian bytes (frames kept as U8, for instance).
    public struct RawEntry: Sendable {
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        public let bytes: Data

        public init(dtype: SafeTensorsDType, shape: [Int], bytes: Data) throws {
            guard shape.reduce(1, *) * dtype.byteSize == bytes.count else {
                throw SafeTensorsError.malformedHeader("\(bytes.count) bytes do not hold a \(dtype.rawValue) tensor of shape \(shape)")
            }
            (self.dtype, self.shape, self.bytes) = (dtype, shape, bytes)
        }
    }

    public static func data(tensors: [String: Tensor], raw: [String: RawEntry] = [:], metadata: [String: String] = [:]) throws -> Data {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        if let shared = Set(tensors.keys).intersection(raw.keys).first {
            throw SafeTensorsError.malformedHeader("\"\(shared)\" is given twice")
        }
        var offset = 0
        let names = (Array(tensors.keys) + Array(raw.keys)).sorted()
        for name in names {
            guard name != "__metadata__" else { throw SafeTensorsError.malformedHeader("\"__metadata__\" is reserved") }
            let (dtype, shape, size) = tensors[name].map { ("F32", $0.shape, $0.count * 4) }
                ?? (raw[name]!.dtype.rawValue, raw[name]!.shape, raw[name]!.bytes.count)
            let end = offset + size
            fields.append("\(jsonString(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Data("{\(fields.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var output = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { output.append(contentsOf: $0) }
        output.append(header)
        for name in names {
            if let tensor = tensors[name] {
                tensor.scalars.withUnsafeBytes { output.append(contentsOf: $0) }
            } else {
                output.append(raw[name]!.bytes)
            }
        }
        return output
    }

    /// Writes the file through `OutputFile`: atomic for a regular file, through to a FIFO or device, "-" for stdout.
    public static func write(tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try OutputFile.write(data(tensors: tensors, metadata: metadata), to: url.path)
    }

    /// The same to a path as the user gave it, so "-" means standard output.
    public static func write(tensors: [String: Tensor], metadata: [String: String] = [:], toPath path: String) throws {
        try OutputFile.write(data(tensors: tensors, metadata: metadata), to: path)
    }

    private static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 {
                    escaped += String(format: "\\u%04x", scalar.value)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped + "\""
    }
}
