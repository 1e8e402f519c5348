import Foundation
import MediaIO
@_spi(Development) import Renderer
@testable import RenderingJobs
import TestSupport
import XCTest

final class FinishedWindowsTests: XCTestCase {
    func testFinishedWindowsCountOnlyCompleteWindowsFromTheFirst() throws {
        let folder = try makeTemporaryFolder("tbd-windows")
        defer { try? FileManager.default.removeItem(at: folder) }
        let windows = FinishedWindows(clipDirectory: folder, name: "clip")
        let plan = try WindowPlan(frames: 10, window: 4, motionFrames: 1)
        XCTAssertEqual(windows.completedCount(windows: plan.windowCount) { plan.keptFrames(ofWindow: $0).count }, 0)
        let frames = (0..<4).map { RGBImage(width: 8, height: 8, filledWith: (UInt8(40 * $0), 10, 200)) }
        try windows.write(window: 0, frames: frames)
        // Window 2 without window 1 does not count: windows resume in order.
        try windows.write(window: 2, frames: Array(frames.prefix(2)))
        XCTAssertEqual(windows.completedCount(windows: plan.windowCount) { plan.keptFrames(ofWindow: $0).count }, 1)
        try windows.write(window: 1, frames: frames)
        XCTAssertEqual(windows.completedCount(windows: plan.windowCount) { plan.keptFrames(ofWindow: $0).count }, 3)
        // PNG keeps the frames exactly, so motion frames read back equal the ones decoded.
        XCTAssertEqual(try windows.frame(window: 1, position: 3).pixels, frames[3].pixels)
        // A window cut off while writing leaves only its hidden staging folder, which does not count.
        try FileManager.default.removeItem(at: windows.folder.appendingPathComponent("window-00001"))
        try FileManager.default.createDirectory(at: windows.folder.appendingPathComponent(".window-00001.partial-1"),
                                                withIntermediateDirectories: false)
        XCTAssertEqual(windows.completedCount(windows: plan.windowCount) { plan.keptFrames(ofWindow: $0).count }, 1)
        windows.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: windows.folder.path))
    }
}
