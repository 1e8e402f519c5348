import FileAccess
import Foundation
import XCTest

/// Foundation's file errors read "Error Domain=NSCocoaErrorDomain Code=260 ..." on Linux; users get plain words.
final class FileErrorTextTests: XCTestCase {
    func testMissingFileIsNamedInPlainWords() {
        let path = "/nonexistent-\(UUID().uuidString)/config.json"
        XCTAssertThrowsError(try Data(contentsOf: URL(fileURLWithPath: path))) { error in
            XCTAssertTrue("\(error)".contains("NSCocoaErrorDomain") || "\(error)".contains("Code="), "the raw text this replaces: \(error)")
            XCTAssertEqual(FileErrorText.describe(error, path: path), "\(path): no such file")
        }
    }

    func testJSONErrorsSayWhereAndWhat() {
        struct Config: Decodable { let layers: Int }
        XCTAssertThrowsError(try JSONDecoder().decode(Config.self, from: Data("{".utf8))) { error in
            XCTAssertEqual(FileErrorText.reason(error), "not valid JSON")
        }
        XCTAssertThrowsError(try JSONDecoder().decode(Config.self, from: Data(#"{"layers": "two"}"#.utf8))) { error in
            XCTAssertEqual(FileErrorText.reason(error), "layers: expected a whole number")
        }
        XCTAssertThrowsError(try JSONDecoder().decode(Config.self, from: Data("{}".utf8))) { error in
            XCTAssertEqual(FileErrorText.reason(error), "missing \"layers\"")
        }
    }

    /// Foundation on Linux reports a number that does not fit its type as "not valid JSON", without a key.
    func testANumberOfTheWrongKindIsNamedWithItsKeyAndTheExpectedType() throws {
        struct Block: Decodable { let widths: [Int] }
        struct Config: Decodable { let inChannels: Int; let scale: Double; let blocks: [Block]; let enabled: Bool
            enum CodingKeys: String, CodingKey { case inChannels = "in_channels", scale, blocks, enabled }
        }
        func reason(_ json: String) -> String {
            switch Result(catching: { try LocatingJSONDecoder.decode(Config.self, from: Data(json.utf8)) }) {
            case .success: return "decoded"
            case .failure(let error): return FileErrorText.reason(error)
            }
        }
        let blocks = #""blocks": [{"widths": [32, 64]}], "enabled": true"#
        XCTAssertEqual(reason(#"{"in_channels": 4, "scale": 0.18215, "# + blocks + "}"), "decoded")
        XCTAssertThrowsError(try JSONDecoder().decode(Config.self, from: Data((#"{"in_channels": 1.5, "scale": 1, "# + blocks + "}").utf8))) {
            XCTAssertEqual(FileErrorText.reason($0), "not valid JSON", "what Foundation alone says")
        }
        XCTAssertEqual(reason(#"{"in_channels": 1.5, "scale": 0.5, "# + blocks + "}"), "in_channels: expected a whole number, found 1.5")
        XCTAssertEqual(reason(#"{"in_channels": 4, "scale": 0.5, "blocks": [{"widths": [32, 64.5]}], "enabled": true}"#),
                       "blocks[0].widths[1]: expected a whole number, found 64.5")
        XCTAssertEqual(reason(#"{"in_channels": 1e20, "scale": 0.5, "# + blocks + "}"), "in_channels: 1e+20 is out of range")
        XCTAssertEqual(reason(#"{"in_channels": "4", "scale": 0.5, "# + blocks + "}"), "in_channels: expected a whole number")
        XCTAssertEqual(reason(#"{"in_channels": 4, "scale": 0.5, "# + blocks), "not valid JSON")
    }

    /// A full disk while writing was reported as "FileAccess.OutputFileError error 1".
    func testOutputFileErrorsAreInWords() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full")
        XCTAssertThrowsError(try OutputFile.write(Data(repeating: 7, count: 4096), to: "/dev/full")) { error in
            XCTAssertEqual(FileErrorText.reason(error), "no space left on device")
            XCTAssertEqual(FileErrorText.describe(error, path: "/dev/full"), "/dev/full: no space left on device")
            XCTAssertEqual((error as NSError).localizedDescription, "cannot write /dev/full: no space left on device")
        }
        struct Damaged: Error, CustomStringConvertible { var description: String { "the frame is damaged" } }
        XCTAssertEqual(FileErrorText.reason(Damaged()), "the frame is damaged")
    }
}
