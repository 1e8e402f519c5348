@testable import Store
import XCTest

final class AgreementReportTests: XCTestCase {
    private func ratings(_ pairs: [(String, String)]) -> [AgreementReport.Rating] {
        pairs.enumerated().flatMap { index, pair in
            [("ann", pair.0), ("bob", pair.1)].map {
                AgreementReport.Rating(annotationID: Int64(index), emotion: index % 2 == 0 ? "happy" : "sad", curator: $0.0, decision: $0.1, reason: $0.1)
            }
        }
    }

    /// Cohen's textbook case: 50 items, 20 both yes, 15 both no, 10 yes/no, 5 no/yes: p_o 0.7, p_e 0.5, kappa 0.4.
    func testCohensKappaMatchesTheTextbookExample() throws {
        let pairs = Array(repeating: ("approve", "approve"), count: 20) + Array(repeating: ("reject", "reject"), count: 15)
            + Array(repeating: ("approve", "reject"), count: 10) + Array(repeating: ("reject", "approve"), count: 5)
        let report = AgreementReport(ratings: ratings(pairs))
        let pair = try XCTUnwrap(report.pairs.first)
        XCTAssertEqual(pair.items, 50)
        XCTAssertEqual(try XCTUnwrap(pair.percentAgreement), 0.7, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(pair.kappa), 0.4, accuracy: 1e-12)
        XCTAssertEqual(report.byEmotion.map(\.emotion), ["happy", "sad"])
    }

    func testKappaIsUndefinedWhenEveryRatingIsTheSame() {
        let report = AgreementReport(ratings: ratings(Array(repeating: ("approve", "approve"), count: 4)))
        XCTAssertEqual(report.percentAgreement, 1)
        XCTAssertNil(report.kappa, "chance agreement is total: kappa is undefined, not 1")
        XCTAssertEqual(AgreementReport(ratings: []).items, 0)
    }
}
