import Foundation
import MediaIO
@_spi(Development) import Renderer
@testable import RenderingJobs
import TestSupport
import XCTest

final class FinishedWindowsTests: XCTestCase {
    private let plan = try! WindowPlan(frames: 10, window: 4, motionFrames: 1)
    private let frames = (0..<4).map { RGBImage(width: 8, height: 8, filledWith: (UInt8(40 * $0), 10, 200)) }

    private func makeWindows() throws -> FinishedWindows {
        let folder = try makeTemporaryFolder("tbd-windows")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return FinishedWindows(clipDirectory: folder, name: "clip")
    }

    private func completed(_ windows: FinishedWindows, width: Int = 8) -> (count: Int, problem: FinishedWindows.Problem?) {
        windows.completedCount(windows: plan.windowCount, width: width, height: 8) { plan.keptFrames(ofWindow: $0).count }
    }

    func testFinishedWindowsCountOnlyCompleteWindowsFromTheFirst() throws {
        let windows = try makeWindows()
        XCTAssertEqual(completed(windows).count, 0)
        try windows.write(window: 0, frames: frames)
        // Window 2 without window 1 does not count: windows resume in order.
        try windows.write(window: 2, frames: Array(frames.prefix(2)))
        XCTAssertEqual(completed(windows).count, 1)
        try windows.write(window: 1, frames: frames)
        XCTAssertEqual(completed(windows).count, 3)
        XCTAssertNil(completed(windows).problem)
        // PNG keeps the frames exactly, so motion frames read back equal the ones decoded.
        XCTAssertEqual(try windows.frame(window: 1, position: 3).pixels, frames[3].pixels)
        // A window cut off while writing leaves only its hidden staging folder, which does not count.
        try FileManager.default.removeItem(at: windows.folder.appendingPathComponent("window-00001"))
        try FileManager.default.createDirectory(at: windows.folder.appendingPathComponent(".window-00001.partial-1"),
                                                withIntermediateDirectories: false)
        XCTAssertEqual(completed(windows).count, 1)
        windows.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: windows.folder.path))
    }

    func testAFrameThatChangedStopsTheCountAndIsNeverReadBack() throws {
        let windows = try makeWindows()
        for index in 0..<3 { try windows.write(window: index, frames: Array(frames.prefix(plan.keptFrames(ofWindow: index).count))) }
        XCTAssertEqual(completed(windows).count, 3)
        // Another valid PNG of the same size in place of frame 2 of window 1: the recorded sum no longer matches.
        let changed = windows.folder.appendingPathComponent("window-00001/frame-002.png")
        try ImageEncoding.png(RGBImage(width: 8, height: 8, filledWith: (1, 2, 3))).write(to: changed)
        let (count, problem) = completed(windows)
        XCTAssertEqual(count, 1)
        XCTAssertEqual(problem?.window, 1)
        XCTAssertTrue(problem?.reason.contains("frame-002.png changed") == true, "\(String(describing: problem))")
        XCTAssertThrowsError(try windows.frame(window: 1, position: 2)) { XCTAssertTrue("\($0)".contains("frame-002.png"), "\($0)") }
        try windows.write(window: 1, frames: frames)
        XCTAssertEqual(completed(windows).count, 3, "the window written again counts")
    }

    func testFramesOfAnotherSizeAreNamedAndNotResumed() throws {
        let windows = try makeWindows()
        try windows.write(window: 0, frames: frames)
        let (count, problem) = completed(windows, width: 16)
        XCTAssertEqual(count, 0)
        XCTAssertEqual(problem?.reason, "\(windows.folder.path)/window-00000/frame-000.png is 8x8, not the clip's 16x8")
    }

    func testWindowsOfAnotherIdentityAreMovedAsideNotResumedOrDeleted() throws {
        let windows = try makeWindows()
        XCTAssertNil(try windows.adopt(identity: "first"))
        try windows.write(window: 0, frames: frames)
        XCTAssertNil(try windows.adopt(identity: "first"), "the same identity resumes")
        XCTAssertEqual(completed(windows).count, 1)
        let notice = try XCTUnwrap(try windows.adopt(identity: "second"))
        XCTAssertTrue(notice.contains("other inputs"), notice)
        XCTAssertEqual(completed(windows).count, 0, "nothing of the first identity is resumed")
        let parent = windows.folder.deletingLastPathComponent()
        let aside = try FileManager.default.contentsOfDirectory(atPath: parent.path).filter { $0.hasPrefix("clip.windows-other-inputs-") }
        XCTAssertEqual(aside.count, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: parent.appendingPathComponent(aside[0]).appendingPathComponent("window-00000/frame-000.png").path),
                      "the windows of the first identity are kept")
    }

    func testAWindowThatCannotBeKeptLeavesNothingBehind() throws {
        let windows = try makeWindows()
        let folder = windows.folder.deletingLastPathComponent()
        let good = RGBImage(width: 8, height: 8, filledWith: (10, 20, 30))
        let broken = RGBImage(width: 0, height: 0, pixels: [])
        XCTAssertThrowsError(try windows.write(window: 0, frames: [good, broken])) { error in
            XCTAssertTrue("\(error)".contains("cannot keep window 1's frames in \(windows.folder.path): "), "\(error)")
            XCTAssertFalse("\(error)".contains("error 1"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [], "no windows folder, no staging folder")
        // With earlier windows kept, only the failed window's staging folder goes.
        try windows.write(window: 0, frames: [good])
        XCTAssertThrowsError(try windows.write(window: 1, frames: [good, broken]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: windows.folder.path), ["window-00000"])
    }
}
