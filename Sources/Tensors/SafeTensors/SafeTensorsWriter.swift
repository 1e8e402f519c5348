import Foundation
import FileAccess

/// Writes Float32 tensors as a safetensors file: names sorted, data in that order, header padded with spaces
/// to a multiple of 8 bytes so the data starts aligned.
public enum SafeTensorsWriter {
    public static func data(tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            guard name != "__metadata__" else { throw SafeTensorsError.malformedHeader("\"__metadata__\" is reserved") }
            let tensor = tensors[name]!
            let end = offset + tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Data("{\(fields.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var output = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { output.append(contentsOf: $0) }
        output.append(header)
        for name in names {
            tensors[name]!.scalars.withUnsafeBytes { output.append(contentsOf: $0) }
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
