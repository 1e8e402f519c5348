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

    /// Three raters on one item, four on another, two on a third, and a lone rating that cannot agree with anyone:
    /// P_i = (sum n_ij^2 - n_i) / (n_i (n_i - 1)) gives 1/3, 1 and 0, so P = 4/9; the category shares 7/9 and 2/9
    /// give P_e = 53/81; kappa = (4/9 - 53/81) / (1 - 53/81) = -17/28.
    func testFleissKappaWithUnequalRaterCountsFollowsTheFormula() throws {
        let items = [["a", "a", "b"], ["a", "a", "a", "a"], ["b", "a"], ["a"]]
        let (agreement, kappa) = AgreementReport.fleiss(items)
        XCTAssertEqual(try XCTUnwrap(agreement), 4.0 / 9.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(kappa), -17.0 / 28.0, accuracy: 1e-12)
    }
}
