@testable import Evaluation
import Foundation
import MediaIO
import TemporaryFolders
import Tensors
import XCTest

/// LPIPS and FID through `tbd eval`'s clip and set evaluations, on the fixtures' seeded network weights and clips of
/// real photographs: identical clips score 0, different ones more, and a set's FID pools every clip's frames.
final class NetworkMetricsTests: XCTestCase {
    private static let networks: Result<EvaluationNetworks, Error> = Result {
        let lpipsRecord = try Fixture.json(networkFixtures + "lpips.json")
        let linearFile = try Fixture.safetensors(networkFixtures + "lpips-alex-linear.safetensors")
        let lpips = LPIPS(backbone: try AlexNetFeatures(WeightReader(source: SeededUniformWeights(seed: UInt64(lpipsRecord["seed"] as! Int)))),
                          linear: try LPIPS.linearLayers(WeightReader(source: linearFile)))
        let inceptionRecord = try Fixture.json(networkFixtures + "inception.json")
        let fid = FIDFeatures(network: try FIDInceptionV3(WeightReader(source: SeededUniformWeights(seed: UInt64(inceptionRecord["seed"] as! Int)))))
        return EvaluationNetworks(lpips: lpips, fid: fid)
    }

    private static let images = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../FaceAnalysisTests/Fixtures/images")

    /// A folder of PNG frames: each named picture scaled to 64x64 (tiny frames keep the debug build quick).
    private func clip(_ folder: URL, _ name: String, _ pictures: [String]) throws -> ClipFrames {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (index, picture) in pictures.enumerated() {
            let image = try FrameReader.readFrame(path: Self.images.appendingPathComponent(picture + ".png").path).scaled(width: 64, height: 64)
            try ImageEncoding.png(image).write(to: url.appendingPathComponent(String(format: "%03d.png", index)))
        }
        return try ClipFrames(path: url.path)
    }

    func testIdenticalClipsScoreZeroAndDifferentOnesMore() throws {
        let folder = try makeTemporaryFolder("tbd-eval-networks")
        defer { try? FileManager.default.removeItem(at: folder) }
        let networks = try Self.networks.get()
        let a = try clip(folder, "a", ["cat", "profile", "small"]), b = try clip(folder, "b", ["no-face", "several", "small"])
        let same = try VideoEvaluation.evaluate(generated: a, reference: a, metrics: [.lpips, .fid], networks: networks)
        let different = try VideoEvaluation.evaluate(generated: a, reference: b, metrics: [.lpips, .fid], networks: networks)
        XCTAssertEqual(same.metrics[.lpips] ?? .nan, 0, accuracy: 1e-6)
        XCTAssertGreaterThan(different.metrics[.lpips] ?? 0, 0.01)
        // Three frames of 2,048 features: rank-deficient covariances, so "zero" is zero to the rounding of the
        // square roots, far below a real difference.
        XCTAssertLessThan(abs(same.metrics[.fid] ?? .nan), 0.1 * (different.metrics[.fid] ?? 0))
        // The last pair is the same picture: LPIPS is the mean over pairs, so it falls below the mean of the other two.
        let pairs = try (0..<2).map { try networks.lpips!.distance(try a.allFrames()[$0], try b.allFrames()[$0]) }
        XCTAssertEqual(different.metrics[.lpips] ?? .nan, Double(pairs.reduce(0, +)) / 3, accuracy: 1e-5)
        XCTAssertThrowsError(try VideoEvaluation.evaluate(generated: a, reference: b, metrics: [.lpips])) { error in
            XCTAssertTrue("\(error)".contains("lpips needs its networks"), "\(error)")
        }
    }

    func testASetsFIDPoolsTheFramesOfAllItsClips() throws {
        let folder = try makeTemporaryFolder("tbd-eval-networks-set")
        defer { try? FileManager.default.removeItem(at: folder) }
        let networks = try Self.networks.get()
        let generated = folder.appendingPathComponent("generated"), reference = folder.appendingPathComponent("reference")
        for (root, sets) in [(generated, [["cat", "profile"], ["small", "several"]]), (reference, [["no-face", "profile"], ["small", "cat"]])] {
            _ = try clip(root, "one", sets[0])
            _ = try clip(root, "two", sets[1])
        }
        let set = try SetEvaluation.evaluate(generated: generated.path, reference: reference.path, metrics: [.fid, .psnr], networks: networks)
        let frames = { (path: String) in try ["one", "two"].flatMap { try ClipFrames(path: "\(path)/\($0)").allFrames() } }
        let pooled = try FrechetDistance.compute(try networks.fid!.features(of: try frames(generated.path)),
                                                 try networks.fid!.features(of: try frames(reference.path)))
        XCTAssertEqual(set.means[.fid] ?? .nan, pooled, accuracy: 1e-6 * max(1, pooled))
        let clipMean = set.clips.compactMap { $0.evaluation.metrics[.fid] }.reduce(0, +) / 2
        XCTAssertNotEqual(set.means[.fid] ?? .nan, clipMean, "the set's FID is not the mean of its clips' FIDs")
    }
}
