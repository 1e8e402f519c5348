import Evaluation
import Foundation
import MediaIO
import TemporaryFolders
import XCTest

final class ClipFramesTests: XCTestCase {
    func testPNGFramesAreReadInTheOrderOfTheirNames() throws {
        let folder = try makeTemporaryFolder("tbd-clip-frames")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, shade) in [("b.png", 20), ("a.png", 10), ("c.png", 30)] {
            try ImageEncoding.png(RGBImage(width: 4, height: 4, filledWith: (UInt8(shade), 0, 0))).write(to: folder.appendingPathComponent(name))
        }
        try Data("notes".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let frames = try ClipFrames(path: folder.path).allFrames()
        XCTAssertEqual(frames.map { $0.pixel(x: 0, y: 0).red }, [10, 20, 30])
    }

    func testWhatIsNotAClipIsRefusedByName() throws {
        let folder = try makeTemporaryFolder("tbd-clip-frames")
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertThrowsError(try ClipFrames(path: folder.path)) { XCTAssertEqual("\($0)", "\(folder.path): the folder holds no PNG frames") }
        let text = folder.appendingPathComponent("clip.txt")
        try Data("x".utf8).write(to: text)
        XCTAssertThrowsError(try ClipFrames(path: text.path)) { XCTAssertTrue("\($0)".hasPrefix("\(text.path): not a video"), "\($0)") }
        XCTAssertThrowsError(try ClipFrames(path: folder.appendingPathComponent("gone.mp4").path)) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }
    }
}
