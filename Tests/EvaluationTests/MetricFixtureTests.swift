@testable import Evaluation
import Foundation
import MediaIO
import XCTest

/// PSNR, SSIM and CPBD against scikit-image 0.26 and cpbd-py312 1.0.3 on real pictures and their degraded copies
/// (scripts/make-eval-fixtures.py), at 1e-4 relative per picture.
final class MetricFixtureTests: XCTestCase {
    private static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/frame-metrics")

    private struct Pair: Decodable {
        let reference: String
        let generated: String
        let psnr: Double
        let ssim: Double
    }

    private struct Picture: Decodable {
        let cpbd: Double
        let canny_edges: Int
        let sobel_edges: Int
        let grey_sum: Int
    }

    private struct Expected: Decodable {
        let pairs: [Pair]
        let pictures: [String: Picture]
    }

    private func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("metrics.json")))
    }

    private func picture(_ name: String) throws -> RGBImage {
        try FrameReader.readFrame(path: Self.fixtures.appendingPathComponent("images/\(name).png").path)
    }

    private func assertRelative(_ actual: Double, _ expected: Double, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(actual - expected), 1e-4 * abs(expected), "\(label): \(actual), reference \(expected)", file: file, line: line)
    }

    func testPSNRAndSSIMEqualScikitImagePerPair() throws {
        let expected = try expected()
        XCTAssertEqual(expected.pairs.count, 15)
        for pair in expected.pairs {
            let reference = try picture(pair.reference), generated = try picture(pair.generated)
            assertRelative(try PeakSignalToNoiseRatio.decibels(reference: reference, generated: generated), pair.psnr, "PSNR \(pair.generated)")
            assertRelative(try StructuralSimilarity.index(reference: reference, generated: generated), pair.ssim, "SSIM \(pair.generated)")
        }
    }

    func testCPBDEqualsTheCPBDPackagePerPicture() throws {
        let expected = try expected()
        XCTAssertEqual(expected.pictures.count, 20)
        for (name, reference) in expected.pictures.sorted(by: { $0.key < $1.key }) {
            let grey = PillowLuma.plane(of: try picture(name))
            XCTAssertEqual(Int(grey.values.reduce(0, +)), reference.grey_sum, "Pillow's grey picture of \(name)")
            XCTAssertEqual(CannyEdges.edges(of: grey).filter { $0 }.count, reference.canny_edges, "Canny edges of \(name)")
            XCTAssertEqual(OctaveSobelEdges.edges(of: grey).filter { $0 }.count, reference.sobel_edges, "Sobel edges of \(name)")
            assertRelative(CumulativeProbabilityOfBlurDetection.sharpness(of: try picture(name)), reference.cpbd, "CPBD \(name)")
        }
    }

    func testBlurLowersCPBD() throws {
        for name in ["astronaut", "cat", "several", "profile"] {
            XCTAssertLessThan(
                CumulativeProbabilityOfBlurDetection.sharpness(of: try picture("\(name)-blur")),
                CumulativeProbabilityOfBlurDetection.sharpness(of: try picture(name)), name)
        }
    }
}
