import Evaluation
import XCTest

final class EvaluationMetricTests: XCTestCase {
    func testNamesAreReadInTheOrderGivenWithoutDuplicates() throws {
        XCTAssertEqual(try EvaluationMetric.parse(["SSIM", "psnr", "ssim"]), [.ssim, .psnr])
        XCTAssertEqual(EvaluationMetric.defaults, [.psnr, .ssim, .cpbd])
    }

    func testUnknownNamesListTheKnownOnes() {
        XCTAssertThrowsError(try EvaluationMetric.parse(["psnr", "niqe"])) { error in
            XCTAssertEqual("\(error)", "unknown metric 'niqe'; the metrics are psnr, ssim, cpbd, fid, fvd, lpips, syncnet")
        }
    }

    func testOnlyCPBDAndSyncNetNeedNoReference() {
        XCTAssertEqual(EvaluationMetric.allCases.filter { !$0.needsReference }, [.cpbd, .syncnet])
    }
}
