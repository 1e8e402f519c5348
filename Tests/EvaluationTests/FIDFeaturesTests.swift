import Evaluation
import Foundation
import MediaIO
import TemporaryFolders
import Tensors
import TensorTesting
import XCTest

/// pytorch-fid 0.3.0's InceptionV3([3]) on seeded random weights in its published file format, converted by
/// scripts/convert-eval-weights.py (scripts/make-eval-network-fixtures.py).
final class FIDFeaturesTests: XCTestCase {
    /// The network on the fixture's weights, built once for the class (about 24 million generated values).
    private static let built: Result<(FIDFeatures, String), Error> = Result {
        let record = try Fixture.json(networkFixtures + "inception.json")
        let weights = SeededUniformWeights(seed: UInt64(record["seed"] as! Int))
        let features = FIDFeatures(network: try FIDInceptionV3(WeightReader(source: weights)))
        return (features, weights.digest)
    }

    func testTheGeneratedWeightsAreWhatTheConverterWrote() throws {
        let record = try Fixture.json(networkFixtures + "inception.json")
        XCTAssertEqual(try Self.built.get().1, record["weights_sha256"] as? String)
    }

    func testFeaturesMatchPytorchFID() throws {
        let fixture = try Fixture.safetensors(networkFixtures + "inception.safetensors")
        let features = try Self.built.get().0
        // Square inputs, and a wide one: both resized to 299x299 inside.
        for name in ["square", "wide"] {
            let output = features.features(try fixture.tensor(named: "input_" + name))
            assertClose(output, try fixture.tensor(named: "features_" + name), relative: 1e-4, name)
        }
    }

    func testFramesAreReadAsToTensorReadsThem() throws {
        let frame = RGBImage(width: 2, height: 1, pixels: [0, 51, 255, 102, 153, 204])
        let pixels = try FIDFeatures.unitPixels([frame, frame])
        XCTAssertEqual(pixels.shape, [2, 3, 1, 2])
        // Planar: red of both pixels, then green, then blue, each value / 255 in float32.
        let expected: [Float] = [0, 102, 51, 153, 255, 204].map { $0 / 255 }
        XCTAssertEqual(Array(pixels.scalars.prefix(6)), expected)
        XCTAssertThrowsError(try FIDFeatures.unitPixels([]))
    }

    func testMissingWeightsAreRefusedNamingTheFileAndWhereItIsPublished() throws {
        let folder = try makeTemporaryFolder("tbd-eval-weights")
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertThrowsError(try FIDFeatures(weights: EvaluationWeights(folder: folder))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("inception.safetensors"), message)
            XCTAssertTrue(message.contains("pt_inception-2015-12-05-6726825d.pth"), message)
            XCTAssertTrue(message.contains("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"), message)
            XCTAssertTrue(message.contains("convert-eval-weights.py"), message)
        }
        // A file that is not the network (LPIPS's linear layers under Inception's name) is refused too.
        try FileManager.default.copyItem(at: Fixture.url(networkFixtures + "lpips-alex-linear.safetensors"),
                                         to: folder.appendingPathComponent("inception.safetensors"))
        XCTAssertThrowsError(try FIDFeatures(weights: EvaluationWeights(folder: folder))) { error in
            XCTAssertTrue("\(error)".contains("cannot use"), "\(error)")
            XCTAssertTrue("\(error)".contains("Conv2d_1a_3x3.conv.weight"), "\(error)")
        }
    }

    func testTheDefaultFolderFollowsTheEnvironment() {
        XCTAssertEqual(EvaluationWeights.defaultFolder(environment: ["TBD_EVAL_WEIGHTS": "/w"]).path, "/w")
        XCTAssertEqual(EvaluationWeights.defaultFolder(environment: ["XDG_CACHE_HOME": "/c"]).path, "/c/tbd/eval-weights")
    }
}
