import Foundation
import MediaIO
import XCTest

final class ReferenceFrameCacheTests: TemporaryFolderTestCase {
    private func copyFixture(_ name: String, as copyName: String) throws -> String {
        let destination = path(copyName)
        try FileManager.default.copyItem(atPath: Fixtures.path(name), toPath: destination)
        return destination
    }

    private func cacheFiles(_ cache: ReferenceFrameCache) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: cache.directory)
        return (enumerator?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".jpg") }.sorted()
    }

    func testFileIdentityHashesTheHead() throws {
        let identity = try FileIdentity.of(path: Fixtures.path("still.png"))
        XCTAssertEqual(identity.size, 130)
        // sha256sum Tests/MediaIOTests/Fixtures/still.png (the whole file lies within the hashed head).
        XCTAssertEqual(identity.headSHA256, "aaae558ae2599d5fc9878141eb46207cc1a845ede4373e6ffe2f238f597a25d6")
        assertMediaError(.fileNotFound) { try FileIdentity.of(path: path("missing.mp4")) }
    }

    func testSecondRequestComesFromTheCache() throws {
        let cache = try ReferenceFrameCache(directory: path("cache"))
        let clip = try copyFixture("colours-h264.mp4", as: "clip.mp4")
        let first = try cache.frame(path: clip, choice: .middle, maxPixels: 1000)
        XCTAssertFalse(first.fromCache)
        XCTAssertLessThanOrEqual(first.width * first.height, 1000)
        XCTAssertEqual(cacheFiles(cache).count, 1)
        let again = try cache.frame(path: clip, choice: .middle, maxPixels: 1000)
        XCTAssertTrue(again.fromCache)
        XCTAssertEqual(again.jpeg, first.jpeg)
        XCTAssertEqual(again.width, first.width)
        XCTAssertEqual(again.height, first.height)
        XCTAssertEqual(again.key, first.key)

        // The cached bytes are the middle frame (yellow) as a JPEG.
        let decodedPath = path("decoded.jpg")
        try again.jpeg.write(to: URL(fileURLWithPath: decodedPath))
        assertColour(try FrameReader.readFrame(path: decodedPath).meanColor(), Fixtures.clipColours[3])
    }

    func testEveryPartOfTheRequestIsInTheKey() throws {
        let cache = try ReferenceFrameCache(directory: path("cache"))
        let clip = try copyFixture("colours-mpeg4.mp4", as: "clip.mp4")
        let keys = try [
            cache.frame(path: clip, choice: .first).key,
            cache.frame(path: clip, choice: .middle).key,
            cache.frame(path: clip, choice: .index(2)).key,
            cache.frame(path: clip, choice: .time(seconds: 0.5)).key,
            cache.frame(path: clip, choice: .first, maxPixels: 100).key,
            cache.frame(path: clip, choice: .first, maxPixels: nil).key,
            cache.frame(path: clip, choice: .first, quality: 50).key,
        ]
        XCTAssertEqual(Set(keys).count, keys.count)
        XCTAssertEqual(cacheFiles(cache).count, keys.count)
    }

    func testAChangedFileIsExtractedAgain() throws {
        let cache = try ReferenceFrameCache(directory: path("cache"))
        let clip = try copyFixture("colours-h264.mp4", as: "clip.mp4")
        let original = try cache.frame(path: clip)
        let attributes = try FileManager.default.attributesOfItem(atPath: clip)
        let modified = attributes[.modificationDate] as! Date

        // Same size and modification time, different content: the head hash tells them apart. Byte 12 is the
        // MP4 header's minor version, which decoders ignore, so the changed file still decodes.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        bytes[12] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: clip))
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: clip)
        XCTAssertEqual(try FileIdentity.of(path: clip).size, Int64(bytes.count))
        let replaced = try cache.frame(path: clip)
        XCTAssertFalse(replaced.fromCache)
        XCTAssertNotEqual(replaced.key, original.key)

        // Touching a file changes its identity too.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: clip)
        XCTAssertFalse(try cache.frame(path: clip).fromCache)
        XCTAssertTrue(try cache.frame(path: clip).fromCache)
    }

    func testADamagedEntryIsReplaced() throws {
        let cache = try ReferenceFrameCache(directory: path("cache"))
        let clip = try copyFixture("colours-h264.mp4", as: "clip.mp4")
        let first = try cache.frame(path: clip)
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: cache.entryPath(for: first.key)))
        let repaired = try cache.frame(path: clip)
        XCTAssertFalse(repaired.fromCache)
        XCTAssertEqual(repaired.jpeg, first.jpeg)
        XCTAssertTrue(try cache.frame(path: clip).fromCache)

        // A cut-off entry (no end marker) is not trusted either.
        try first.jpeg.prefix(first.jpeg.count / 2).write(to: URL(fileURLWithPath: cache.entryPath(for: first.key)))
        XCTAssertFalse(try cache.frame(path: clip).fromCache)
    }

    func testBadInputsAreErrorsAndCacheNothing() throws {
        let cache = try ReferenceFrameCache(directory: path("cache"))
        assertMediaError(.fileNotFound) { try cache.frame(path: path("missing.mp4")) }
        assertMediaError(.emptyFile) { try cache.frame(path: Fixtures.path("empty.mp4")) }
        assertMediaError(.notMedia) { try cache.frame(path: Fixtures.path("truncated.mp4")) }
        assertMediaError(.notMedia) { try cache.frame(path: Fixtures.path("not-video.mp4")) }
        XCTAssertEqual(cacheFiles(cache), [])
    }
}
