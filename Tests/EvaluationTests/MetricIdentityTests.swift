@testable import Evaluation
import MediaIO
import XCTest

/// What holds whatever the reference computes: identities, symmetry and the refusals.
final class MetricIdentityTests: XCTestCase {
    /// A seeded picture with texture, so the metrics have something to measure.
    private func texture(width: Int, height: Int, seed: UInt64) -> RGBImage {
        var state = seed
        let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    func testIdenticalFramesGiveInfinitePSNRAndSSIMOne() throws {
        let frame = texture(width: 40, height: 30, seed: 1)
        XCTAssertEqual(try PeakSignalToNoiseRatio.decibels(reference: frame, generated: frame), .infinity)
        XCTAssertEqual(try StructuralSimilarity.index(reference: frame, generated: frame), 1, accuracy: 1e-12)
    }

    func testPSNRAndSSIMAreSymmetric() throws {
        let a = texture(width: 40, height: 30, seed: 1), b = texture(width: 40, height: 30, seed: 2)
        XCTAssertEqual(try PeakSignalToNoiseRatio.decibels(reference: a, generated: b), try PeakSignalToNoiseRatio.decibels(reference: b, generated: a))
        XCTAssertEqual(try StructuralSimilarity.index(reference: a, generated: b), try StructuralSimilarity.index(reference: b, generated: a), accuracy: 1e-12)
        XCTAssertLessThan(try StructuralSimilarity.index(reference: a, generated: b), 0.1, "unrelated noise is not similar")
    }

    func testPSNROfAKnownError() throws {
        let black = RGBImage(width: 4, height: 4, filledWith: (0, 0, 0))
        let grey = RGBImage(width: 4, height: 4, filledWith: (10, 10, 10))
        // MSE 100: 10·log10(65025 / 100).
        XCTAssertEqual(try PeakSignalToNoiseRatio.decibels(reference: black, generated: grey), 10 * log10(650.25), accuracy: 1e-12)
    }

    func testFramesOfDifferentSizesAreRefused() {
        XCTAssertThrowsError(try PeakSignalToNoiseRatio.decibels(reference: texture(width: 20, height: 20, seed: 1), generated: texture(width: 20, height: 21, seed: 1))) { error in
            XCTAssertTrue("\(error)".contains("20x20") && "\(error)".contains("20x21"), "\(error)")
        }
    }

    func testSSIMRefusesFramesSmallerThanItsWindow() {
        let frame = texture(width: 10, height: 30, seed: 1)
        XCTAssertThrowsError(try StructuralSimilarity.index(reference: frame, generated: frame)) { error in
            XCTAssertTrue("\(error)".contains("11x11"), "\(error)")
        }
    }

    func testCPBDIsZeroWithoutEdgesOrWholeBlocks() {
        XCTAssertEqual(CumulativeProbabilityOfBlurDetection.sharpness(of: RGBImage(width: 128, height: 128, filledWith: (90, 120, 30))), 0)
        XCTAssertEqual(CumulativeProbabilityOfBlurDetection.sharpness(of: texture(width: 63, height: 200, seed: 3)), 0, "no whole 64x64 block")
    }

    func testReflectedBorderRepeatsTheEdgePixel() {
        XCTAssertEqual((-3..<8).map { FilterBorder.reflect.sourceIndex($0, length: 4) }, [2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0])
        XCTAssertNil(FilterBorder.zero.sourceIndex(-1, length: 4))
    }

    func testPillowLumaRoundsAsPillowDoes() {
        // (R·19595 + G·38470 + B·7471 + 32768) >> 16: 76.74 is 76 and 150.18 is 150 (truncated after the + 0.5).
        let image = RGBImage(width: 3, height: 1, pixels: [255, 0, 0, 0, 255, 0, 1, 0, 1])
        XCTAssertEqual(PillowLuma.plane(of: image).values, [76, 150, 0])
    }
}
