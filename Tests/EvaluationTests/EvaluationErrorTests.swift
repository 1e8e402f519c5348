import Evaluation
import XCTest

final class EvaluationErrorTests: XCTestCase {
    func testTheMessageIsWhatTheUserReads() {
        XCTAssertEqual("\(EvaluationError("fid needs pt_inception-2015-12-05-6726825d.pth"))", "fid needs pt_inception-2015-12-05-6726825d.pth")
    }
}
