import Foundation
import Glibc
import TestSupport
import XCTest
@testable import BatchAnnotation

/// Symbolic links in a dataset are not followed (they can loop or leave the tree), but each is reported as
/// skipped instead of vanishing from the run without a word.
final class DatasetWalkTests: XCTestCase {
    func testSymlinkedClipsAreListedAsSkipped() throws {
        let root = try makeTemporaryFolder("tbd-walk")
        defer { try? FileManager.default.removeItem(at: root) }
        let clips = root.appendingPathComponent("M003/video/front/happy/level_1")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        let real = clips.appendingPathComponent("001.mp4").path
        XCTAssertTrue(FileManager.default.createFile(atPath: real, contents: Data("x".utf8)))
        XCTAssertEqual(symlink(real, clips.appendingPathComponent("002.mp4").path), 0)
        XCTAssertEqual(symlink(root.appendingPathComponent("M003").path, root.appendingPathComponent("M004").path), 0)

        let mead = try MEADScanner().scan(root: root.path)
        XCTAssertEqual(mead.clips.map { ($0.path as NSString).lastPathComponent }, ["001.mp4"])
        let skipped = Dictionary(uniqueKeysWithValues: mead.skipped.map { (($0.path as NSString).lastPathComponent, $0.reason) })
        XCTAssertEqual(skipped["002.mp4"], "symbolic link (not followed)")
        XCTAssertEqual(skipped["M004"], "symbolic link (not followed)")

        let hdtf = try HDTFScanner().scan(root: clips.path)
        XCTAssertEqual(hdtf.clips.count, 1)
        XCTAssertEqual(hdtf.skipped.map(\.reason), ["symbolic link (not followed)"])
    }
}
