@testable import BatchAnnotation
import Foundation
import MediaIO
import XCTest

final class ReferenceFrameCacheTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-frames-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A real H.264 clip written through MediaIO: red, then green, then blue frames.
    private func makeClip(_ name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        let writer = try VideoWriter(path: path, width: 64, height: 48, fps: 25)
        for color: [UInt8] in [[220, 20, 20], [20, 220, 20], [20, 20, 220]] {
            try writer.append(RGBImage(width: 64, height: 48, pixels: Array((0..<(64 * 48)).flatMap { _ in color })))
        }
        _ = try writer.finish()
        return path
    }

    func testSecondRequestComesFromTheCacheAndAChangedClipIsDecodedAgain() throws {
        let clip = try makeClip("clip.mp4")
        let cache = ReferenceFrameCache(directory: folder.appendingPathComponent("cache").path, choice: .middle)
        let first = try cache.frame(for: clip)
        XCTAssertFalse(first.cached)
        XCTAssertEqual(first.width, 64)
        XCTAssertEqual(first.height, 48)
        let decoded = try FrameReader.readFrame(path: writeTemporary(first.jpeg))
        let centre = (24 * 64 + 32) * 3
        XCTAssertGreaterThan(decoded.pixels[centre + 1], 150, "the middle frame is the green one")
        XCTAssertLessThan(decoded.pixels[centre], 80)

        let second = try cache.frame(for: clip)
        XCTAssertTrue(second.cached)
        XCTAssertEqual(second.jpeg, first.jpeg)
        XCTAssertEqual(second.clipIdentity, first.clipIdentity)

        let firstChoice = try ReferenceFrameCache(directory: cache.directory, choice: .first).frame(for: clip)
        XCTAssertFalse(firstChoice.cached, "another frame choice is another cache entry")

        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: clip)
        let afterTouch = try cache.frame(for: clip)
        XCTAssertFalse(afterTouch.cached)
        XCTAssertNotEqual(afterTouch.clipIdentity, first.clipIdentity)
    }

    func testBadClipsAreErrorsAndLeaveNoCacheEntry() throws {
        let cacheFolder = folder.appendingPathComponent("cache")
        let cache = ReferenceFrameCache(directory: cacheFolder.path)
        let clip = try makeClip("good.mp4")
        let truncated = folder.appendingPathComponent("truncated.mp4").path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        try bytes.prefix(600).write(to: URL(fileURLWithPath: truncated))
        let empty = folder.appendingPathComponent("empty.mp4").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        for path in [truncated, empty] {
            XCTAssertThrowsError(try cache.frame(for: path)) { error in
                XCTAssertTrue(error is MediaError, "\(path): \(error)")
            }
        }
        XCTAssertThrowsError(try cache.frame(for: folder.appendingPathComponent("missing.mp4").path)) { error in
            XCTAssertTrue("\(error)".contains("missing.mp4"))
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: cacheFolder.path)) ?? []
        XCTAssertEqual(entries, [])
    }

    func testDigestMatchesKnownVector() {
        XCTAssertEqual(SHA256Digest.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    private func writeTemporary(_ data: Data) throws -> String {
        let path = folder.appendingPathComponent("\(UUID().uuidString).jpg").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }
}
