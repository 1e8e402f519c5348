import Foundation
import MediaIO
@_spi(Development) import Renderer
@testable import RenderingJobs
import Tensors
import TestSupport
import XCTest

/// Every file a clip leaves, end to end on a tiny random-weight checkpoint written by `RandomCheckpoint`: real
/// MP4 and PNG files through FFmpeg's libraries, decoded back with MediaIO.
final class ClipFilesTests: XCTestCase {
    private static let checkpoint: URL = {
        let url = try! makeTemporaryFolder("tbd-tiny").appendingPathComponent("checkpoint")
        try! RandomCheckpoint.write(size: .tiny, seed: 0, to: url)
        return url
    }()

    private lazy var renderer = ImageClipRenderer(model: try! StableDiffusionModel(directory: Self.checkpoint))

    private func temporaryFolder() throws -> URL {
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

    private func render(_ request: ClipRequest, in directory: URL, name: String,
                        progress: (RenderProgress) throws -> Void = { _ in }) throws -> ClipResult {
        try ClipFiles(directory: directory, name: name).render(try renderer.prepare(request), with: renderer, progress: progress)
    }

    func testClipHasEveryFrameAndDecodesBackToTheFramesWritten() throws {
        let directory = try temporaryFolder()
        var request = request(frames: 3)
        request.reference = RGBImage(width: 64, height: 64, filledWith: (red: 200, green: 120, blue: 90))
        request.sampling.strength = 0.5
        var reports = [RenderProgress]()
        let result = try render(request, in: directory, name: "clip") { reports.append($0) }
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
        let directory = try temporaryFolder()
        var request = request(frames: 1)
        let first = try render(request, in: directory, name: "a")
        let again = try render(request, in: directory, name: "b")
        request.seed = 10
        let other = try render(request, in: directory, name: "c")
        let png = { (path: String) in try Data(contentsOf: URL(fileURLWithPath: path)) }
        XCTAssertEqual(try png(first.firstFramePath), try png(again.firstFramePath))
        XCTAssertNotEqual(try png(first.firstFramePath), try png(other.firstFramePath))
    }

    func testAudioIsMuxedIn() throws {
        let tone = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../MediaIOTests/Fixtures/tone.wav").standardized.path
                var request = request(frames: 2)
        request.audioPath = tone
        let result = try render(request, in: try temporaryFolder(), name: "voiced")
        let info = try MediaProbe.probe(path: result.videoPath, countFrames: true)
        XCTAssertTrue(info.hasAudio)
        XCTAssertEqual(info.frameCount, 2)
    }

    func testCancelledRenderKeepsOnlyItsFinishedWindowsAndResumesFromThem() throws {
        let directory = try temporaryFolder()
        XCTAssertThrowsError(try render(request(frames: 3), in: directory, name: "clip") { progress in
            if progress.frame == 1 && progress.step == 2 { throw RenderError.cancelled }
        }) { XCTAssertEqual($0 as? RenderError, .cancelled) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["clip.windows"], "no clip file, only the finished frame")
        var reports = [RenderProgress]()
        let result = try render(request(frames: 3), in: directory, name: "clip") { reports.append($0) }
        XCTAssertEqual(Set(reports.map(\.frame)), [1, 2], "the finished frame is not sampled again")
        XCTAssertEqual(result.frames, 3)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["clip-sheet.png", "clip.mp4", "clip.png"])
        let resumed = try FrameReader.readAllFrames(path: result.videoPath)
        let whole = try render(request(frames: 3), in: try temporaryFolder(), name: "whole")
        XCTAssertEqual(try FrameReader.readAllFrames(path: whole.videoPath).map(\.pixels), resumed.map(\.pixels),
                       "a resumed clip equals one rendered without a stop")
    }

    func testBadRequestsFailBeforeAnyFileIsWritten() throws {
        let directory = try temporaryFolder()
        var request = request(frames: 2)
        request.width = 100
        XCTAssertThrowsError(try render(request, in: directory, name: "x"))
        request = self.request(frames: 2)
        request.sampling.strength = 0.5
        XCTAssertThrowsError(try render(request, in: directory, name: "x"), "strength without reference")
        request = self.request(frames: 2)
        request.initialNoise = Tensor(zeros: [3, 4, 16, 16])
        XCTAssertThrowsError(try render(request, in: directory, name: "x"), "noise for 3 frames")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

}
