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
}
