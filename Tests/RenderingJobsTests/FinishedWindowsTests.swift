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

    /// A window that cannot be kept (a full disk; here an empty frame, which cannot be encoded) used to leave its
    /// staging folder behind, and a windows folder it had just created.
    func testAWindowThatCannotBeKeptLeavesNothingBehind() throws {
        let folder = try makeTemporaryFolder("tbd-windows")
        defer { try? FileManager.default.removeItem(at: folder) }
        let windows = FinishedWindows(clipDirectory: folder, name: "clip")
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
