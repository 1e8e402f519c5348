import AnnotationRecord
import XCTest

/// Every free-text field has one bound, kept in `TextLimits`, and an error that names the field.
final class TextLimitsTests: XCTestCase {
    func testTextAtTheBoundPassesAndAboveItIsRefusedByName() throws {
        try TextLimits.check(String(repeating: "a", count: TextLimits.subject), field: "subject", limit: TextLimits.subject)
        try TextLimits.check(nil, field: "note", limit: TextLimits.note)
        XCTAssertThrowsError(try TextLimits.check(String(repeating: "a", count: TextLimits.subject + 1), field: "subject", limit: TextLimits.subject)) { error in
            XCTAssertEqual(error as? TextTooLong, TextTooLong(field: "subject", length: TextLimits.subject + 1, limit: TextLimits.subject))
            XCTAssertEqual("\(error)", "the subject is \(TextLimits.subject + 1) characters long; at most \(TextLimits.subject) are accepted")
        }
    }

    func testCharactersAreCountedNotBytes() throws {
        // 1,500 four-byte emoji: 6,000 bytes, but within a 2,000-character bound.
        try TextLimits.check(String(repeating: "😀", count: 1_500), field: "subject", limit: TextLimits.subject)
    }
}
