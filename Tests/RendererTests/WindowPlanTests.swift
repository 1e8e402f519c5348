import Foundation
import MediaIO
@_spi(Development) @testable import Renderer
import TemporaryFolders
import XCTest
import Tensors

/// How a talking-head clip is cut into windows, kept on disk as they finish, and reported.
final class WindowPlanTests: XCTestCase {
    func testA17SecondClipAt25FPSIsThreeWindowsTheLastTrimmed() throws {
        let frames = AudioFrameAlignment.frameCount(samples: 27_200, sampleRate: 16_000, fps: 25)
        XCTAssertEqual(frames, 43, "ceil(1.7 s x 25)")
        let plan = try WindowPlan(frames: frames)
        XCTAssertEqual(plan.windowCount, 3)
        XCTAssertEqual(plan.paddedFrames, 48)
        XCTAssertEqual((0..<3).map { plan.keptFrames(ofWindow: $0) }, [0..<16, 16..<32, 32..<43])
        XCTAssertEqual(try WindowPlan(frames: 32).windowCount, 2, "whole windows need no padding")
        XCTAssertEqual(try WindowPlan(frames: 1, window: 4, motionFrames: 0).keptFrames(ofWindow: 0), 0..<1)
    }

    func testPlansThatCannotRunAreRefusedNamingTheOption() {
        XCTAssertThrowsError(try WindowPlan(frames: 0)) { XCTAssertTrue("\($0)".contains("at least one frame"), "\($0)") }
        XCTAssertThrowsError(try WindowPlan(frames: 10, window: 0)) { XCTAssertTrue("\($0)".contains("--window"), "\($0)") }
        XCTAssertThrowsError(try WindowPlan(frames: 10, window: 4, motionFrames: 5)) {
            XCTAssertTrue("\($0)".contains("--motion-frames"), "\($0)")
        }
    }

    func testTheEstimateOfAResumedRunCountsOnlyItsOwnWindows() {
        // Window 3 of 4 (index 2), resumed at index 2, one of 10 steps done in 5 s: 19 steps left at 5 s each.
        let resumed = RenderProgress(frame: 2, frameCount: 4, step: 1, stepCount: 10, elapsedSeconds: 5, unit: .window, firstFrame: 2)
        XCTAssertEqual(resumed.remainingSeconds ?? -1, 95, accuracy: 1e-9)
        let fresh = RenderProgress(frame: 0, frameCount: 4, step: 0, stepCount: 10, elapsedSeconds: 1)
        XCTAssertNil(fresh.remainingSeconds)
        XCTAssertEqual(fresh.unit, .frame)
    }

    func testVideoFrameTakesOneFrameOfEveryChannel() {
        // [1, 2 channels, 3 frames, 1, 2]: value = channel * 100 + frame * 10 + position.
        var values = [Float]()
        for channel in 0..<2 { for frame in 0..<3 { for position in 0..<2 { values.append(Float(channel * 100 + frame * 10 + position)) } } }
        let video = Tensor(shape: [1, 2, 3, 1, 2], scalars: values)
        let frame = video.videoFrame(1)
        XCTAssertEqual(frame.shape, [1, 2, 1, 2])
        XCTAssertEqual(frame.scalars, [10, 11, 110, 111])
    }
}
