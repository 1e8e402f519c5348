import Foundation
@testable import ReviewQueue
import Store
import TestSupport
import XCTest

/// How the queue takes input: key bytes decoded, the prompt edit file, and a session's keys deciding items.
final class ReviewSessionTests: XCTestCase {
    func testKeyDecoding() {
        XCTAssertEqual(ReviewKey.decode(Array("a/".utf8)), [.character("a"), .character("/")])
        XCTAssertEqual(ReviewKey.decode([0x1B, 0x5B, 0x41, 0x1B, 0x5B, 0x36, 0x7E, 0x0D, 0x7F, 0x1B]), [.up, .pageDown, .enter, .backspace, .escape])
        XCTAssertEqual(ReviewKey.decode(Array("é".utf8)), [.character("é")])
        XCTAssertEqual(ReviewKey.decode([0x1B, 0x5B, 0x32, 0x30, 0x30, 0x7E, 0x71]), [.character("q")], "an unknown sequence is dropped whole")
    }

    func testPromptEditFileRoundTrip() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ProjectStore(path: folder.appendingPathComponent("r.sqlite").path)
        let detail = try store.show(id: store.addAnnotation(sampleAnnotation()))
        let text = PromptEditFile.render(detail)
        let parsed = try PromptEditFile.parse(text)
        XCTAssertEqual(parsed, PromptEditFile.Contents(coarse: detail.current.coarsePrompt, fine: detail.current.finePrompt, aus: ["6C", "12C"]))
        let edited = try PromptEditFile.parse("[fine]\nnew fine\n[aus]\n6C+12D, 25\n[coarse]\nnew coarse\n")
        XCTAssertEqual(edited, PromptEditFile.Contents(coarse: "new coarse", fine: "new fine", aus: ["6C", "12D", "25"]))
        XCTAssertThrowsError(try PromptEditFile.parse("[coarse]\nonly coarse\n"))
    }

    func testSessionKeysDecideAndMoveOn() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ProjectStore(path: folder.appendingPathComponent("r.sqlite").path)
        _ = try store.addAnnotations((0..<3).map { sampleAnnotation($0) })
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        XCTAssertEqual(session.detail?.id, 1)
        XCTAssertTrue(session.holdsCurrent)
        XCTAssertEqual(session.handle(.character("a")), .redraw)
        XCTAssertEqual(session.detail?.id, 2)
        XCTAssertEqual(session.counts.approved, 1)
        _ = session.handle(.character("r"))
        XCTAssertEqual(session.mode, .pickingReason)
        _ = session.handle(.character("2"))
        XCTAssertEqual(session.mode, .writingNote(.wrongEmotion))
        for character in "sad" { _ = session.handle(.character(character)) }
        _ = session.handle(.enter)
        XCTAssertEqual(try store.show(id: 2).decisions.last?.note, "sad")
        XCTAssertEqual(session.detail?.id, 3)
        _ = session.handle(.character("u"))
        XCTAssertEqual(session.detail?.id, 2)
        XCTAssertEqual(session.detail?.status, .pending)
        _ = session.handle(.character("/"))
        for _ in 0..<40 { _ = session.handle(.backspace) }
        for character in "status=approved" { _ = session.handle(.character(character)) }
        _ = session.handle(.enter)
        XCTAssertEqual(session.detail?.id, 1)
        XCTAssertFalse(session.isQueueMode)
        guard case .edit(let text) = session.handle(.character("e")) else { return XCTFail("e opens the editor") }
        session.finishEdit(text.replacingOccurrences(of: "[fine]\n", with: "[fine]\nsharper "))
        XCTAssertEqual(try store.show(id: 1).status, .pending, "an edit sends an approved item back to pending")
        XCTAssertEqual(session.handle(.character("q")), .quit)
        session.close()
        XCTAssertEqual(try store.activeClaims(), [], "leaving the screen gives back every claim")
    }
}
