import Foundation
import XCTest

/// One F32 tensor of a safetensors file, read without the Renderer library (for test targets that do not link
/// it): 8-byte little-endian header length, JSON header, data.
public func float32SafeTensor(_ name: String, in url: URL, file: StaticString = #filePath, line: UInt = #line) throws -> (shape: [Int], values: [Float]) {
    let data = try Data(contentsOf: url)
    let headerLength = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + headerLength)) as? [String: Any])
    let entry = try XCTUnwrap(header[name] as? [String: Any], "\(name) in \(url.lastPathComponent)", file: file, line: line)
    XCTAssertEqual(entry["dtype"] as? String, "F32", file: file, line: line)
    let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
    let bytes = data.subdata(in: 8 + headerLength + offsets[0]..<8 + headerLength + offsets[1])
    let values = bytes.withUnsafeBytes { raw in (0..<bytes.count / 4).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) } }
    return (try XCTUnwrap(entry["shape"] as? [Int]), values)
}
