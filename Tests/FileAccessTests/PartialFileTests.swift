import FileAccess
import Foundation
import Glibc
import TestSupport
import XCTest

/// A writer killed outright leaves its `.partial-` file; the clean-up removes exactly the ones no live writer holds.
final class PartialFileTests: XCTestCase {
    func testAbandonedPartialIsRemovedAndAHeldOneIsKept() throws {
        let folder = try makeTemporaryFolder("tbd-partial")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("clip.mp4").path
        let held = try PartialFile(beside: target)
        // What a SIGKILLed writer leaves: the same kind of name, and no lock, since its process is gone.
        let abandoned = folder.appendingPathComponent(".old.mp4.partial-ABCDEFGH").path
        XCTAssertTrue(FileManager.default.createFile(atPath: abandoned, contents: Data("half".utf8)))
        let longAgo = Date(timeIntervalSinceNow: -3600)
        for path in [held.path, abandoned] {
            try FileManager.default.setAttributes([.modificationDate: longAgo], ofItemAtPath: path)
        }
        XCTAssertTrue(PartialFile.isHeld(beside: target))
        XCTAssertFalse(PartialFile.isHeld(beside: folder.appendingPathComponent("old.mp4").path))

        XCTAssertEqual(PartialFile.removeAbandoned(in: folder.path), [abandoned])
        XCTAssertTrue(FileManager.default.fileExists(atPath: held.path), "a live writer's file stays")
        XCTAssertFalse(FileManager.default.fileExists(atPath: abandoned))

        held.close()
        XCTAssertFalse(PartialFile.isHeld(beside: target), "closing releases the lock")
    }

    func testFreshUnlockedPartialIsLeftForItsWriter() throws {
        let folder = try makeTemporaryFolder("tbd-partial")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        // Between creating and locking, a new partial file is briefly unlocked: a recent one is never taken.
        let fresh = folder.appendingPathComponent(".new.png.partial-12345678").path
        XCTAssertTrue(FileManager.default.createFile(atPath: fresh, contents: Data()))
        XCTAssertEqual(PartialFile.removeAbandoned(in: folder.path), [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: fresh))
    }
}
