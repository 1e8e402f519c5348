import Foundation
import ReproducibleTesting
import TemporaryFolders
import XCTest
@testable import Tensors

final class SafeTensorsTests: XCTestCase {
    func testReadsFilesWrittenByTheReferenceLibraryWithExactConversion() throws {
        let file = try Fixture.safetensors("dtypes.safetensors")
        XCTAssertEqual(file.metadata, ["source": "make-parity-fixtures.py"])
        XCTAssertEqual(file.entries["f16"]?.dtype, .f16)
        XCTAssertEqual(file.entries["bf16"]?.dtype, .bf16)
        // Widening is exact, so compare bit for bit (infinities included).
        XCTAssertEqual(try file.tensor(named: "f16").scalars, try file.tensor(named: "f16_as_f32").scalars)
        XCTAssertEqual(try file.tensor(named: "bf16").scalars, try file.tensor(named: "bf16_as_f32").scalars)
        XCTAssertEqual(try file.tensor(named: "f32").scalars[2], 1)
        XCTAssertEqual(try file.tensor(named: "empty").shape, [0, 3])
        XCTAssertEqual(try file.shape(of: "i64"), [2, 3])
        XCTAssertThrowsError(try file.tensor(named: "i64")) { error in
            XCTAssertEqual(error as? SafeTensorsError, .unsupportedDType(name: "i64", dtype: "I64"))
        }
        XCTAssertThrowsError(try file.tensor(named: "absent")) { XCTAssertEqual($0 as? SafeTensorsError, .missingTensor("absent")) }
    }

    func testHalfPrecisionEdgeCases() {
        XCTAssertEqual(float32(fromHalfBits: 0x3C00), 1)
        XCTAssertEqual(float32(fromHalfBits: 0xC000), -2)
        XCTAssertEqual(float32(fromHalfBits: 0x7BFF), 65504)
        XCTAssertEqual(float32(fromHalfBits: 0x0001), 5.9604644775390625e-8)
        XCTAssertEqual(float32(fromHalfBits: 0x8000).sign, .minus)
        XCTAssertEqual(float32(fromHalfBits: 0x7C00), .infinity)
        XCTAssertTrue(float32(fromHalfBits: 0x7E00).isNaN)
        XCTAssertEqual(float32(fromBFloat16Bits: 0x3F80), 1)
    }

    func testWriterRoundTripThroughAFile() throws {
        let tensors = ["b": Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), "a \"quoted\"\n": Tensor(shape: [1], scalars: [-7]),
                       "empty": Tensor(zeros: [0])]
        let folder = try makeTemporaryFolder("tbd-safetensors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("roundtrip.safetensors")
        try SafeTensorsWriter.write(tensors: tensors, metadata: ["format": "pt"], to: url)
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(headerLength % 8, 0, "data starts 8-byte aligned")
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(Set(file.names), Set(tensors.keys))
        for (name, tensor) in tensors { XCTAssertEqual(try file.tensor(named: name), tensor) }
        XCTAssertEqual(file.metadata, ["format": "pt"])
    }

    /// Reading a tensor releases the file pages it occupied; reading it (or a neighbour sharing a page) again
    /// faults the same bytes back in. Tensors of several pages, and small ones between them, sharing pages.
    func testTensorsReadAgainAfterTheirPagesAreReleasedAreUnchanged() throws {
        let tensors = ["a": Tensor.pseudoRandom([5000], seed: 41), "b": Tensor.pseudoRandom([3], seed: 42),
                       "c": Tensor.pseudoRandom([3000, 2], seed: 43), "d": Tensor.pseudoRandom([1025], seed: 44)]
        let folder = try makeTemporaryFolder("tbd-safetensors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("release.safetensors")
        try SafeTensorsWriter.write(tensors: tensors, to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        for _ in 0..<2 {
            for name in tensors.keys.sorted() { XCTAssertEqual(try file.tensor(named: name), tensors[name], name) }
        }
    }

    #if os(Linux)
    /// After its tensors are read, the file's mapping holds (almost) no pages: the weights live once, as the
    /// Float32 copies. Measured on the mapping itself (its `Rss` in /proc/self/smaps), so allocations elsewhere
    /// in the test process do not blur it.
    func testReadTensorsLeaveTheirPagesOutOfTheMapping() throws {
        let tensors = (0..<4).reduce(into: [String: Tensor]()) { $0["t\($1)"] = Tensor.pseudoRandom([262_144], seed: 50 + UInt64($1)) }
        let folder = try makeTemporaryFolder("tbd-safetensors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("resident.safetensors")
        try SafeTensorsWriter.write(tensors: tensors, to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        var copies: [Tensor] = []
        for name in tensors.keys.sorted() { copies.append(try file.tensor(named: name)) }
        XCTAssertEqual(copies.map(\.count).reduce(0, +), 4 * 262_144)
        let resident = try XCTUnwrap(mappedResidentKilobytes(of: url.path), "the 4 MB file is not mapped")
        // The header's page and the pages two tensors share stay; 4 MB of data must not.
        XCTAssertLessThanOrEqual(resident, 32, "kB of the file still resident in the mapping")
        withExtendedLifetime(file) {}
    }

    /// The `Rss` of the mapping of `path` in /proc/self/smaps, in kB; nil when the file is not mapped. Read line
    /// by line with getline: Foundation reads a /proc file's first chunk only.
    private func mappedResidentKilobytes(of path: String) -> Int? {
        guard let stream = fopen("/proc/self/smaps", "r") else { return nil }
        defer { fclose(stream) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        var inMapping = false
        while getline(&buffer, &capacity, stream) > 0, let buffer {
            let line = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
            // A mapping's first line starts with its address range, "start-end" in hex; its fields follow.
            if let range = line.split(separator: " ").first, range.contains("-"), range.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                inMapping = line.hasSuffix(path)
            } else if inMapping, line.hasPrefix("Rss:") {
                return Int(line.split(separator: " ")[1])
            }
        }
        return nil
    }
    #endif

    // MARK: - Malformed input

    private func file(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> Data {
        var data = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(Data(repeating: 0, count: dataBytes))
        return data
    }

    private func assertRejected(_ data: Data, containing phrase: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensorsFile(data: data), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(phrase), "\(error) should mention \(phrase)", file: file, line: line)
        }
    }

    func testRejectsEveryKindOfMalformedHeader() {
        let entry = { (name: String, dtype: String, shape: String, begin: Int, end: Int) in
            "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(end)]}"
        }
        assertRejected(Data([1, 2, 3]), containing: "no header length")
        assertRejected(file(header: "{}", dataBytes: 0, declaredLength: 200_000_000), containing: "exceeds the limit")
        assertRejected(file(header: "{}", dataBytes: 0, declaredLength: 50), containing: "past the end")
        assertRejected(file(header: "[1]", dataBytes: 0), containing: "JSON")
        assertRejected(file(header: "{\"a\":", dataBytes: 0), containing: "JSON")
        assertRejected(file(header: "{\"a\":[[[[[[1]]]]]]}", dataBytes: 0), containing: "nests deeper")
        assertRejected(file(header: "{\(entry("a", "F99", "1", 0, 4))}", dataBytes: 4), containing: "unknown dtype")
        assertRejected(file(header: "{\(entry("a", "F32", "-1", 0, 4))}", dataBytes: 4), containing: "negative")
        assertRejected(file(header: "{\(entry("a", "F32", "4611686018427387904,4", 0, 4))}", dataBytes: 4), containing: "overflows")
        assertRejected(file(header: "{\(entry("a", "F32", "2", 0, 4))}", dataBytes: 4), containing: "needs 8")
        assertRejected(file(header: "{\(entry("a", "F32", "1", 4, 8))}", dataBytes: 4), containing: "outside")
        assertRejected(file(header: "{\(entry("a", "F32", "1", 4, 0))}", dataBytes: 4), containing: "outside")
        assertRejected(file(header: "{\(entry("a", "F32", "1", 4, 8))}", dataBytes: 8), containing: "gap")
        assertRejected(file(header: "{\(entry("a", "F32", "2", 0, 8)),\(entry("b", "F32", "1", 4, 8))}", dataBytes: 8), containing: "overlaps")
        assertRejected(file(header: "{\(entry("a", "F32", "1", 0, 4))}", dataBytes: 8), containing: "cover 4 bytes")
        assertRejected(file(header: "{\"__metadata__\":{\"k\":1}}", dataBytes: 0), containing: "JSON")
        var invalidUTF8 = file(header: "{}  ", dataBytes: 0)
        invalidUTF8[9] = 0xFF
        assertRejected(invalidUTF8, containing: "UTF-8")
        XCTAssertNoThrow(try SafeTensorsFile(data: file(header: "{\(entry("a", "F32", "1", 0, 4))}        ", dataBytes: 4)),
                         "space padding after the JSON is allowed")
    }

    /// The JSON parser keeps one of two equal keys, so a header naming a tensor twice used to load whichever it
    /// kept; every object's keys are now checked while the header is scanned.
    func testAHeaderNamingAKeyTwiceIsRefused() {
        let entry = { (name: String, begin: Int, end: Int) in
            "\"\(name)\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\(begin),\(end)]}"
        }
        assertRejected(file(header: "{\(entry("w", 0, 4)),\(entry("w", 4, 8))}", dataBytes: 8), containing: "names \"w\" twice")
        // The same key written with an escape.
        assertRejected(file(header: "{\(entry("w", 0, 4)),\(entry("\\u0077", 4, 8))}", dataBytes: 8), containing: "names \"w\" twice")
        assertRejected(file(header: #"{"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4),
                       containing: "names \"dtype\" twice")
        assertRejected(file(header: #"{"__metadata__":{"k":"a","k":"b"}}"#, dataBytes: 0), containing: "names \"k\" twice")
        // Equal strings as values, and keys repeated in different objects, are fine.
        XCTAssertNoThrow(try SafeTensorsFile(data: file(header: #"{"__metadata__":{"a":"w","b":"w"},"# + entry("w", 0, 4) + "}", dataBytes: 4)))
    }

    func testMissingFileIsAnError() {
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors"))) { error in
            guard case .unreadable = error as? SafeTensorsError else { return XCTFail("\(error)") }
        }
    }

    /// Thousands of mutated copies of a valid file (seeded, so failures reproduce): each either loads, and then
    /// every tensor reads within bounds, or throws. A crash fails the whole run.
    func testFuzzedFilesLoadOrThrowButNeverCrash() throws {
        let tensors = ["w": Tensor(shape: [3, 4], scalars: (0..<12).map(Float.init)), "b": Tensor(shape: [4], scalars: [1, 2, 3, 4])]
        let valid = try SafeTensorsWriter.data(tensors: tensors, metadata: ["k": "v"])
        var generator = SplitMix64(seed: 0x5AFE)
        var loaded = 0, rejected = 0
        let jsonBytes = Array("0123456789[]{}\",:-e.".utf8)
        for _ in 0..<6000 {
            var bytes = [UInt8](valid)
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 6 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                case 1: bytes[position] = jsonBytes[Int(generator.next() % UInt64(jsonBytes.count))]
                case 2: bytes.removeSubrange(position..<min(bytes.count, position + Int(generator.next() % 16)))
                case 3: bytes.insert(contentsOf: Array("1234567890".utf8.shuffled(using: &generator).prefix(3)), at: position)
                case 4: bytes = Array(bytes.prefix(position))
                default: bytes[Int(generator.next() % UInt64(min(8, bytes.count)))] = UInt8(truncatingIfNeeded: generator.next())
                }
                if bytes.isEmpty { bytes = [0] }
            }
            do {
                let file = try SafeTensorsFile(data: Data(bytes))
                for name in file.names where file.entries[name]!.dtype.convertsToFloat32 {
                    XCTAssertEqual(try file.tensor(named: name).count, file.entries[name]!.shape.reduce(1, *))
                }
                loaded += 1
            } catch is SafeTensorsError {
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 2000, "most mutations must be caught")
        XCTAssertGreaterThan(loaded, 0, "some mutations (data bytes) leave a valid file")
    }
}
