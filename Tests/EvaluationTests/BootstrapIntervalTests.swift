@testable import Evaluation
import XCTest

final class BootstrapIntervalTests: XCTestCase {
    func testTheIntervalIsReproducibleAndHoldsTheMean() throws {
        let values = (0..<20).map { 0.5 + 0.01 * Double(($0 * 7) % 13) }
        let interval = try XCTUnwrap(BootstrapInterval(values: values))
        XCTAssertEqual(BootstrapInterval(values: values), interval, "seeded: the same values give the same interval")
        let mean = values.reduce(0, +) / Double(values.count)
        XCTAssertLessThan(interval.lower, mean)
        XCTAssertGreaterThan(interval.upper, mean)
        XCTAssertGreaterThanOrEqual(interval.lower, values.min()!)
        XCTAssertLessThanOrEqual(interval.upper, values.max()!)
    }

    func testEqualValuesGiveAPointAndInfiniteOnesNone() {
        let point = BootstrapInterval(values: [0.7, 0.7, 0.7])
        XCTAssertEqual(point?.lower ?? 0, 0.7, accuracy: 1e-12)
        XCTAssertEqual(point?.upper ?? 0, 0.7, accuracy: 1e-12)
        XCTAssertEqual(BootstrapInterval(values: [0.7]), BootstrapInterval(values: [0.7]))
        XCTAssertNil(BootstrapInterval(values: [30, .infinity]))
        XCTAssertNil(BootstrapInterval(values: []))
    }

    func testPercentilesInterpolateAsNumPyDoes() {
        // np.percentile([1, 2, 3, 4], 2.5) is 1.075 and 97.5 gives 3.925.
        XCTAssertEqual(BootstrapInterval.percentile([1, 2, 3, 4], 0.025), 1.075, accuracy: 1e-12)
        XCTAssertEqual(BootstrapInterval.percentile([1, 2, 3, 4], 0.975), 3.925, accuracy: 1e-12)
    }
}
