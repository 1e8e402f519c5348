import MediaIO
import XCTest

/// The one reading of a frame choice a person types, used by every option that takes one.
final class FrameChoiceTests: XCTestCase {
    func testEachFormReadsAsItsChoice() {
        XCTAssertEqual(FrameChoice(parsing: "first"), .first)
        XCTAssertEqual(FrameChoice(parsing: "Middle"), .middle)
        XCTAssertEqual(FrameChoice(parsing: "2.5"), .time(seconds: 2.5))
        XCTAssertEqual(FrameChoice(parsing: "0"), .time(seconds: 0))
        XCTAssertEqual(FrameChoice(parsing: "index:12"), .index(12))
        XCTAssertEqual(FrameChoice(parsing: "INDEX:0"), .index(0))
    }

    func testAnythingElseIsRefused() {
        for text in ["", "last", "-1", "inf", "nan", "1e400", "index:", "index:-1", "index:1.5", "index 3"] {
            XCTAssertNil(FrameChoice(parsing: text), text)
        }
    }
}
