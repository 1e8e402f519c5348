import Evaluation
import Foundation
import MediaIO
import TemporaryFolders
import Tensors
import TensorTesting
import XCTest

/// lpips 0.1.4 (AlexNet, version 0.1) with the package's real linear layers, on a seeded random AlexNet backbone
/// in torchvision's file format, converted by scripts/convert-eval-weights.py.
final class LPIPSTests: XCTestCase {
    private static let built: Result<(LPIPS, String), Error> = Result {
        let record = try Fixture.json(networkFixtures + "lpips.json")
        let weights = SeededUniformWeights(seed: UInt64(record["seed"] as! Int))
        let backbone = try AlexNetFeatures(WeightReader(source: weights))
        let linearFile = try Fixture.safetensors(networkFixtures + "lpips-alex-linear.safetensors")
        let linear = try LPIPS.linearLayers(WeightReader(source: linearFile))
        try linearFile.requireEveryTensorRead()
        return (LPIPS(backbone: backbone, linear: linear), weights.digest)
    }

    func testTheGeneratedBackboneIsWhatTheConverterWrote() throws {
        let record = try Fixture.json(networkFixtures + "lpips.json")
        XCTAssertEqual(try Self.built.get().1, record["weights_sha256"] as? String)
    }

    func testDistancesMatchTheLPIPSPackage() throws {
        let fixture = try Fixture.safetensors(networkFixtures + "lpips.safetensors")
        let lpips = try Self.built.get().0
        for name in ["square", "wide"] {
            let (a, b) = (try fixture.tensor(named: name + "_a"), try fixture.tensor(named: name + "_b"))
            let expected = try fixture.tensor(named: "distance_" + name)
            let distances = try lpips.distances(a, b)
            // Per pair, not against the batch's scale: each distance must hold on its own.
            for (index, distance) in distances.enumerated() {
                XCTAssertEqual(distance, expected.scalars[index], accuracy: 1e-4 * expected.scalars[index], "\(name) pair \(index)")
            }
            assertClose(try lpips.layerDistances(a, b), try fixture.tensor(named: "layers_" + name), relative: 1e-4, name + " per layer")
        }
    }

    func testAnImageIsAtDistanceZeroFromItselfAndFramesAreReadAsIm2tensorReadsThem() throws {
        let lpips = try Self.built.get().0
        var generator = SystemRandomNumberGenerator()
        let pixels = (0..<(40 * 36 * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let frame = RGBImage(width: 40, height: 36, pixels: pixels)
        XCTAssertEqual(try lpips.distance(frame, frame), 0)
        XCTAssertEqual(LPIPS.signedPixels(RGBImage(width: 1, height: 1, pixels: [0, 255, 51])).scalars, [-1, 1, 51 / 127.5 - 1])
        var changed = pixels
        for index in stride(from: 0, to: changed.count, by: 7) { changed[index] = 255 - changed[index] }
        XCTAssertGreaterThan(try lpips.distance(frame, RGBImage(width: 40, height: 36, pixels: changed)), 0)
    }

    func testBadInputIsRefused() throws {
        let lpips = try Self.built.get().0
        XCTAssertThrowsError(try lpips.distances(Tensor(zeros: [1, 3, 32, 32]), Tensor(zeros: [1, 3, 32, 40]))) {
            XCTAssertTrue("\($0)".contains("one shape"), "\($0)")
        }
        XCTAssertThrowsError(try lpips.distances(Tensor(zeros: [1, 3, 30, 40]), Tensor(zeros: [1, 3, 30, 40]))) {
            XCTAssertTrue("\($0)".contains("at least 31x31"), "\($0)")
        }
        let small = RGBImage(width: 40, height: 40, pixels: [UInt8](repeating: 0, count: 40 * 40 * 3))
        let other = RGBImage(width: 40, height: 41, pixels: [UInt8](repeating: 0, count: 40 * 41 * 3))
        XCTAssertThrowsError(try lpips.distance(small, other))
    }

    func testMissingBackboneWeightsAreRefusedNamingTorchvisionsFile() throws {
        let folder = try makeTemporaryFolder("tbd-eval-weights")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: Fixture.url(networkFixtures + "lpips-alex-linear.safetensors"),
                                         to: folder.appendingPathComponent("lpips-alex-linear.safetensors"))
        XCTAssertThrowsError(try LPIPS(weights: EvaluationWeights(folder: folder))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("alexnet.safetensors"), message)
            XCTAssertTrue(message.contains("https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"), message)
        }
    }
}
