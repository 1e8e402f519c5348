import Evaluation
import XCTest

final class EvaluationMetricTests: XCTestCase {
    func testNamesAreReadInTheOrderGivenWithoutDuplicates() throws {
        XCTAssertEqual(try EvaluationMetric.parse(["SSIM", "psnr", "ssim"]), [.ssim, .psnr])
        XCTAssertEqual(EvaluationMetric.defaults, [.psnr, .ssim, .cpbd])
    }

    func testUnknownNamesListTheKnownOnesAndUnbuiltOnesSaySo() {
        XCTAssertThrowsError(try EvaluationMetric.parse(["psnr", "niqe"])) { error in
            XCTAssertEqual("\(error)", "unknown metric 'niqe'; the metrics are psnr, ssim, cpbd, fid, fvd, lpips, syncnet")
        }
        for name in ["fvd"] {
            XCTAssertThrowsError(try EvaluationMetric.parse([name])) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(name) is not available yet"), "\(error)")
            }
        }
    }

    func testOnlyCPBDAndSyncNetNeedNoReference() {
        XCTAssertEqual(EvaluationMetric.available.filter { !$0.needsReference }, [.cpbd, .syncnet])
    }
}
