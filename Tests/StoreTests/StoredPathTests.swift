import AnnotationRecord
import Foundation
@testable import Store
import TestSupport
import XCTest

/// What the store keeps must work from any folder: relative source and clip paths are stored absolute.
final class StoredPathTests: XCTestCase {
    func testRelativePathsAreMadeAbsoluteAgainstTheFolderGiven() {
        XCTAssertEqual(StoredPath.absolute("data/astronaut.png", from: "/work/project"), "/work/project/data/astronaut.png")
        XCTAssertEqual(StoredPath.absolute("../mead/M003/001.mp4", from: "/work/project"), "/work/mead/M003/001.mp4")
        XCTAssertEqual(StoredPath.absolute("/srv/./a/../b.mp4", from: "/elsewhere"), "/srv/b.mp4")
    }

    func testTheStoreKeepsSubjectAndClipPathsAbsolute() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let here = FileManager.default.currentDirectoryPath
        let id = try store.addAnnotation(sampleAnnotation(1, sourcePath: "mead-sample/M003/unit"))
        XCTAssertEqual(try store.show(id: id).subject.sourcePath, here + "/mead-sample/M003/unit")
        try store.addClipLink(ClipLink(annotationID: id, clipPath: "mead-sample/M003/001.mp4"))
        XCTAssertEqual(try store.clipLinks(annotationID: id).map(\.clipPath), [here + "/mead-sample/M003/001.mp4"])
        XCTAssertEqual(try store.clipLinks(clipPath: "mead-sample/M003/001.mp4").count, 1, "a relative query finds the stored link")

        // The same subject written relative or absolute is one subject.
        let again = try store.addAnnotation(sampleAnnotation(1, emotion: "sad", sourcePath: here + "/mead-sample/M003/unit"))
        XCTAssertEqual(try store.show(id: again).subjectID, try store.show(id: id).subjectID)
    }

    func testAnnotationsOfTheSameSubjectEmotionLevelAndModeAreFound() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = sampleAnnotation(1)
        let id = try store.addAnnotation(first)
        _ = try store.addAnnotation(sampleAnnotation(1, emotion: "sad"))
        XCTAssertEqual(try store.annotationIDs(sameAs: first.subject, emotion: "HAPPY", level: first.level, mode: .cot), [id])
        XCTAssertEqual(try store.annotationIDs(sameAs: first.subject, emotion: "happy", level: .intense, mode: .cot), [])
        XCTAssertEqual(try store.annotationIDs(sameAs: first.subject, emotion: "happy", level: first.level, mode: .describe), [])
        var changed = first.subject
        changed.contentHash = "another picture at the same path"
        XCTAssertEqual(try store.annotationIDs(sameAs: changed, emotion: "happy", level: first.level, mode: .cot), [])
    }
}
