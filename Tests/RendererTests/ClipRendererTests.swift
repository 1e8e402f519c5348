import Foundation
import MediaIO
import TemporaryFolders
import XCTest
@testable import Renderer
import Tensors

/// The pipeline end to end on a tiny random-weight checkpoint written by `RandomCheckpoint`: real MP4 and PNG
/// files through FFmpeg's libraries, decoded back with MediaIO.
final class ClipRendererTests: XCTestCase {
    private static let checkpoint: URL = {
        let url = try! makeTemporaryFolder("tbd-tiny")
        try! RandomCheckpoint.write(size: .tiny, seed: 0, to: url)
        return url
    }()

    private func temporaryDirectory() throws -> URL {
        let url = try makeTemporaryFolder("tbd-render")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func request(frames: Int) -> ClipRequest {
        var request = ClipRequest(prompts: ["a face", "lip corners pulled up, cheeks raised"])
        request.frames = frames
        request.sampling.steps = 4
        request.seed = 9
        return request
    }

    func testClipHasEveryFrameAndDecodesBackToTheFramesWritten() throws {
        let model = try StableDiffusionModel(directory: Self.checkpoint)
        let directory = try temporaryDirectory()
        var request = request(frames: 3)
        request.reference = RGBImage(width: 64, height: 64, filledWith: (red: 200, green: 120, blue: 90))
        request.sampling.strength = 0.5
        var reports = [RenderProgress]()
        let result = try ClipRenderer(model: model).render(request, directory: directory, name: "clip") { reports.append($0) }
        XCTAssertEqual(result.frames, 3)
        XCTAssertEqual(reports.count, 3 * 2, "strength 0.5 of 4 steps runs 2 steps per frame")
        XCTAssertEqual(reports.last?.fraction, 1)
        let info = try MediaProbe.probe(path: result.videoPath, countFrames: true)
        XCTAssertEqual(info.frameCount, 3)
        XCTAssertEqual([info.width, info.height], [128, 128])
        let decoded = try FrameReader.readAllFrames(path: result.videoPath)
        XCTAssertEqual(decoded.count, 3)
        let firstFrame = try FrameReader.readFrame(path: result.firstFramePath)
        let difference = zip(decoded[0].pixels, firstFrame.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        XCTAssertLessThan(Double(difference) / Double(firstFrame.pixels.count), 20, "mean codec error per channel")
        XCTAssertTrue(FileManager.default.fileExists(atPath: result.contactSheetPath))
    }

    func testSameSeedGivesTheSameFrameAndAnotherSeedDoesNot() throws {
        let model = try StableDiffusionModel(directory: Self.checkpoint)
        let directory = try temporaryDirectory()
        var request = request(frames: 1)
        let first = try ClipRenderer(model: model).render(request, directory: directory, name: "a")
        let again = try ClipRenderer(model: model).render(request, directory: directory, name: "b")
        request.seed = 10
        let other = try ClipRenderer(model: model).render(request, directory: directory, name: "c")
        let png = { (path: String) in try Data(contentsOf: URL(fileURLWithPath: path)) }
        XCTAssertEqual(try png(first.firstFramePath), try png(again.firstFramePath))
        XCTAssertNotEqual(try png(first.firstFramePath), try png(other.firstFramePath))
    }

    func testAudioIsMuxedIn() throws {
        let tone = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../MediaIOTests/Fixtures/tone.wav").standardized.path
        let model = try StableDiffusionModel(directory: Self.checkpoint)
        var request = request(frames: 2)
        request.audioPath = tone
        let result = try ClipRenderer(model: model).render(request, directory: try temporaryDirectory(), name: "voiced")
        let info = try MediaProbe.probe(path: result.videoPath, countFrames: true)
        XCTAssertTrue(info.hasAudio)
        XCTAssertEqual(info.frameCount, 2)
    }

    func testCancelledRenderLeavesNoFiles() throws {
        let model = try StableDiffusionModel(directory: Self.checkpoint)
        let directory = try temporaryDirectory()
        XCTAssertThrowsError(try ClipRenderer(model: model).render(request(frames: 3), directory: directory, name: "clip") { progress in
            if progress.frame == 1 && progress.step == 2 { throw RenderError.cancelled }
        }) { XCTAssertEqual($0 as? RenderError, .cancelled) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testBadRequestsFailBeforeAnyFileIsWritten() throws {
        let model = try StableDiffusionModel(directory: Self.checkpoint)
        let directory = try temporaryDirectory()
        var request = request(frames: 2)
        request.width = 100
        XCTAssertThrowsError(try ClipRenderer(model: model).render(request, directory: directory, name: "x"))
        request = self.request(frames: 2)
        request.sampling.strength = 0.5
        XCTAssertThrowsError(try ClipRenderer(model: model).render(request, directory: directory, name: "x"), "strength without reference")
        request = self.request(frames: 2)
        request.initialNoise = Tensor(zeros: [3, 4, 16, 16])
        XCTAssertThrowsError(try ClipRenderer(model: model).render(request, directory: directory, name: "x"), "noise for 3 frames")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testRandomCheckpointIsDeterministicAndLoadsAsDiffusersFolder() throws {
        let again = try temporaryDirectory()
        try RandomCheckpoint.write(size: .tiny, seed: 0, to: again)
        for file in ["unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"] {
            XCTAssertEqual(try Data(contentsOf: again.appendingPathComponent(file)),
                           try Data(contentsOf: Self.checkpoint.appendingPathComponent(file)), file)
        }
        let folder = try DiffusersModelFolder(root: again)
        XCTAssertEqual(Set(folder.components.keys), ["unet", "vae", "text_encoder", "tokenizer", "scheduler"])
        XCTAssertEqual(try folder.tokenizer().encode("a photo of a cat").prefix(7), [49406, 320, 1125, 539, 320, 2368, 49407])
        let other = RandomWeights(seed: 1)
        let same = RandomWeights(seed: 0)
        XCTAssertNotEqual(try other.tensor(named: "conv_in.weight", shape: [4, 4, 3, 3]), try same.tensor(named: "conv_in.weight", shape: [4, 4, 3, 3]))
        XCTAssertEqual(try same.tensor(named: "norm1.weight", shape: [4]).scalars, [1, 1, 1, 1])
    }

    func testGaussianNoiseIsDeterministicWithUnitMoments() {
        var generator = GaussianNoise(seed: 42)
        let values = generator.tensor(shape: [100_001]).scalars
        var again = GaussianNoise(seed: 42)
        XCTAssertEqual(again.tensor(shape: [100_001]).scalars, values)
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
    }

    func testPromptPairsFromTheReviewExport() throws {
        let directory = try temporaryDirectory()
        let url = directory.appendingPathComponent("export.jsonl")
        let good = #"{"annotation_id": 3, "revision": 2, "coarse_prompt": "a face", "fine_prompt": "AU12", "emotion": "happy", "source_path": "/x.mp4", "aus": ["AU12"]}"#
        try (good + "\n" + good + "\n\n").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(try PromptPair.readJSONL(url),
                       [PromptPair(annotationID: 3, revision: 2, coarsePrompt: "a face", finePrompt: "AU12", emotion: "happy", sourcePath: "/x.mp4")])
        try (good + "\n{\"annotation_id\": 4}\n").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PromptPair.readJSONL(url)) { XCTAssertTrue("\($0)".contains("line 2"), "\($0)") }
    }
}
