import Foundation
import MediaIO
@_spi(Development) import Renderer
@testable import RenderingJobs
import Tensors
import TestSupport
import XCTest

/// Every file a clip leaves, end to end on a tiny random-weight checkpoint written by `RandomCheckpoint`: real
/// MP4 and PNG files through FFmpeg's libraries, decoded back with MediaIO.
///
/// Every test runs its networks on the direct kernel alone. These tests compare renders bit for bit (stopped and
/// resumed against uninterrupted, one seed twice), and under Winograd's memory budget a network's first evaluation
/// in a process runs some layers on another algorithm than later evaluations do (the budget's ranking settles
/// only once every layer has applied), a few ulps apart.
final class ClipFilesTests: XCTestCase {
    override func invokeTest() {
        ConvolutionChoice.$taskSetting.withValue(.forced(.direct)) { super.invokeTest() }
    }

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

    private func render(_ request: ClipRequest, in directory: URL, name: String, with renderer: (any ClipRenderer)? = nil,
                        notices: ((String) -> Void)? = nil,
                        progress: (RenderProgress) throws -> Void = { _ in }) throws -> ClipResult {
        let renderer = renderer ?? self.renderer
        return try ClipFiles(directory: directory, name: name).render(try renderer.prepare(request), with: renderer, identity: "test",
                                                                      progress: progress, notice: notices ?? { _ in })
    }

    /// The clip's frames as its lossless stills show them: the first frame and the contact sheet (frames 1-8),
    /// compared byte for byte where decoded MP4 frames would add the codec's own variation.
    private func stills(_ result: ClipResult) throws -> [Data] {
        try [result.firstFramePath, result.contactSheetPath].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    }

    func testAChangedKeptFrameIsRenderedAgainAndNeverMuxed() throws {
        let directory = try temporaryFolder()
        XCTAssertThrowsError(try render(request(frames: 3), in: directory, name: "clip") { progress in
            if progress.frame == 2 { throw RenderError.cancelled }
        })
        let kept = directory.appendingPathComponent("clip.windows/window-00000/frame-000.png")
        try ImageEncoding.png(RGBImage(width: 128, height: 128, filledWith: (0, 255, 0))).write(to: kept)
        var notices = [String](), sampled = Set<Int>()
        let result = try render(request(frames: 3), in: directory, name: "clip", notices: { notices.append($0) }) { sampled.insert($0.frame) }
        XCTAssertEqual(sampled, [0, 1, 2], "the changed window and those after it are sampled again")
        XCTAssertTrue(notices.contains { $0.contains("frame-000.png changed since it was kept") }, "\(notices)")
        let whole = try render(request(frames: 3), in: try temporaryFolder(), name: "whole")
        XCTAssertEqual(try stills(result), try stills(whole), "the green frame never reaches the clip")
    }

    func testATalkingRenderStoppedAndResumedEqualsAnUninterruptedOne() throws {
        let checkpoint = try temporaryFolder().appendingPathComponent("talking")
        try RandomTalkingCheckpoint.write(size: .tiny, seed: 3, to: checkpoint)
        let talking = TalkingClipRenderer(model: try TalkingHeadModel(directory: checkpoint))
        var request = ClipRequest(prompts: ["a face", "lip corners pulled up, cheeks raised"])
        request.reference = RGBImage(width: 64, height: 64, filledWith: (180, 120, 90))
        (request.frames, request.window, request.motionFrames, request.sampling.steps, request.seed) = (10, 4, 2, 2, 5)
        let directory = try temporaryFolder()
        var stoppedIn = Set<Int>()
        XCTAssertThrowsError(try render(request, in: directory, name: "clip", with: talking) { progress in
            stoppedIn.insert(progress.frame)
            if progress.frame == 2 { throw RenderError.cancelled }
        }) { XCTAssertEqual($0 as? RenderError, .cancelled) }
        XCTAssertEqual(stoppedIn, [0, 1, 2])
        var resumedIn = Set<Int>()
        let resumed = try render(request, in: directory, name: "clip", with: talking) { resumedIn.insert($0.frame) }
        XCTAssertEqual(resumedIn, [2], "windows 1 and 2 come from disk; window 3 takes its motion frames from them")
        let whole = try render(request, in: try temporaryFolder(), name: "whole", with: talking)
        XCTAssertEqual(resumed.frames, 10)
        XCTAssertEqual(try stills(resumed), try stills(whole), "frame for frame")
    }

    func testATalkingRenderRunsWithDPMSolver() throws {
        let checkpoint = try temporaryFolder().appendingPathComponent("talking")
        try RandomTalkingCheckpoint.write(size: .tiny, seed: 3, to: checkpoint)
        var request = ClipRequest(prompts: ["a face", "a smiling face"])
        request.reference = RGBImage(width: 64, height: 64, filledWith: (180, 120, 90))
        (request.frames, request.window, request.sampling.steps) = (4, 4, 3)
        let results = try [SamplerChoice.ddim, SamplerChoice(kind: .dpmSolverMultistep)].map { sampler in
            let renderer = TalkingClipRenderer(model: try TalkingHeadModel(directory: checkpoint, sampler: sampler))
            return try render(request, in: try temporaryFolder(), name: "clip", with: renderer)
        }
        XCTAssertEqual(results[1].frames, 4)
        XCTAssertNotEqual(try stills(results[0]), try stills(results[1]), "DPM-Solver++ takes other steps than DDIM")
        XCTAssertGreaterThan(Set(try FrameReader.readFrame(path: results[1].firstFramePath).pixels).count, 1, "a picture, not a constant")
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
        let whole = try render(request(frames: 3), in: try temporaryFolder(), name: "whole")
        XCTAssertEqual(try stills(result), try stills(whole), "a resumed clip equals one rendered without a stop")
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
