import Evaluation
import Foundation
import Tensors
import XCTest

/// The Fréchet distance against pytorch-fid 0.3.0's `calculate_frechet_distance` (scipy's sqrtm) on the fixture's
/// feature sets, and its identities.
final class FrechetDistanceTests: XCTestCase {
    private func set(_ name: String) throws -> [[Float]] {
        let tensor = try Fixture.safetensors(networkFixtures + "frechet.safetensors").tensor(named: name)
        let width = tensor.shape[1]
        return (0..<tensor.shape[0]).map { Array(tensor.scalars[$0 * width..<($0 + 1) * width]) }
    }

    private func expected(_ key: String) throws -> Double {
        try XCTUnwrap(Fixture.json(networkFixtures + "frechet.json")[key] as? Double, key)
    }

    func testMatchesPytorchFIDOnFullRankSets() throws {
        // 200 samples of 32 features: full-rank covariances, the case FID's sets are meant to be.
        let (a, b) = (try set("full_a"), try set("full_b"))
        let forward = try FrechetDistance.compute(a, b), backward = try FrechetDistance.compute(b, a)
        XCTAssertEqual(forward, try expected("full_a:full_b"), accuracy: 1e-3 * abs(try expected("full_a:full_b")))
        XCTAssertEqual(backward, try expected("full_b:full_a"), accuracy: 1e-3 * abs(try expected("full_b:full_a")))
    }

    func testMatchesPytorchFIDOnRankDeficientSets() throws {
        // 20 samples of 64 features: the covariances have rank 19, the product is singular.
        let distance = try FrechetDistance.compute(try set("deficient_a"), try set("deficient_b"))
        let reference = try expected("deficient_a:deficient_b")
        XCTAssertEqual(distance, reference, accuracy: 1e-3 * abs(reference))
    }

    func testASetAgainstItselfIsZeroAndTheDistanceIsSymmetric() throws {
        let (a, b) = (try set("full_a"), try set("full_b"))
        let statistics = try FrechetDistance.Statistics(features: a)
        let itself = try FrechetDistance.compute(statistics, statistics)
        // Relative to the size of the terms that cancel (the two traces, about 64 here).
        XCTAssertEqual(itself, 0, accuracy: 1e-9 * 64)
        XCTAssertEqual(try FrechetDistance.compute(a, b), try FrechetDistance.compute(b, a), accuracy: 1e-9 * 64)
        XCTAssertGreaterThan(try FrechetDistance.compute(a, b), 1, "different sets are apart")
    }

    func testTheMeanTermIsTheSquaredDistanceOfTheMeans() throws {
        // Shifting every sample by the same vector leaves the covariance: the distance is |shift|².
        let a = try set("full_a")
        let shifted = a.map { row in row.enumerated().map { $0.element + ($0.offset == 3 ? 2 : 0) } }
        XCTAssertEqual(try FrechetDistance.compute(a, shifted), 4, accuracy: 1e-6)
    }

    func testBadSetsAreRefusedByName() {
        XCTAssertThrowsError(try FrechetDistance.compute([[1, 2]], [[1, 2], [3, 4]])) {
            XCTAssertTrue("\($0)".contains("at least 2 feature vectors"), "\($0)")
        }
        XCTAssertThrowsError(try FrechetDistance.compute([[1, 2], [3, 4]], [[1, 2, 3], [3, 4, 5]])) {
            XCTAssertTrue("\($0)".contains("2 and 3 dimensions"), "\($0)")
        }
        XCTAssertThrowsError(try FrechetDistance.compute([[1, 2], [3]], [[1, 2], [3, 4]])) {
            XCTAssertTrue("\($0)".contains("differ in length"), "\($0)")
        }
        XCTAssertThrowsError(try FrechetDistance.compute([[1, .nan], [3, 4]], [[1, 2], [3, 4]])) {
            XCTAssertTrue("\($0)".contains("NaN"), "\($0)")
        }
    }
}
