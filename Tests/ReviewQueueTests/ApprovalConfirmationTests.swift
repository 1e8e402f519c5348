import FACSKnowledge
import Foundation
@testable import ReviewQueue
import Store
import TestSupport
import XCTest

/// `a` on a revision with an error finding asks first; only `y` approves it, and an edit that brings one in says so.
final class ApprovalConfirmationTests: XCTestCase {
    private func text(_ session: ReviewSession) -> String {
        ReviewScreen(width: 120, height: 30, color: .none).lines(session).map(\.plainText).joined(separator: "\n")
    }

    func testApprovingAnErrorFindingAsksAndOnlyYesApproves() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try store.addAnnotation(sampleAnnotation(0))
        try store.edit(id: 1, curator: "bob", aus: ["6C", "99"])
        _ = try store.addAnnotation(sampleAnnotation(1))
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        XCTAssertEqual(session.detail?.id, 1)
        _ = session.handle(.character("a"))
        XCTAssertEqual(session.mode, .confirmingApproval(errorFindings: 1))
        XCTAssertTrue(text(session).contains("approve with 1 error finding? y/n"), text(session))
        XCTAssertEqual(try store.show(id: 1).status, .pending, "asking decides nothing")
        _ = session.handle(.character("n"))
        XCTAssertEqual(session.mode, .reviewing)
        XCTAssertEqual(try store.show(id: 1).status, .pending)
        XCTAssertTrue(text(session).contains("not approved"), text(session))
        _ = session.handle(.character("a"))
        _ = session.handle(.character("y"))
        XCTAssertEqual(try store.show(id: 1).status, .approved)
        XCTAssertEqual(session.detail?.id, 2, "the queue moves on after the confirmed approval")
        XCTAssertEqual(session.decidedThisSession, 1)
        // An item without error findings is approved at once.
        _ = session.handle(.character("a"))
        XCTAssertEqual(try store.show(id: 2).status, .approved)
    }

    func testAnEditThatBringsInAnErrorFindingSaysSo() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try store.addAnnotation(sampleAnnotation(0))
        let session = ReviewSession(store: store, curator: "ann")
        session.start()
        guard case .edit(let file) = session.handle(.character("e")) else { return XCTFail("e opens the editor") }
        session.finishEdit(file.replacingOccurrences(of: "6C 12C", with: "6C 99"))
        XCTAssertEqual(session.message?.tone, .error)
        let message = try XCTUnwrap(session.message?.text)
        XCTAssertTrue(message.contains("saved revision 2 of #1 with 1 error finding (unknown_code: "), message)
        XCTAssertTrue(message.contains("a asks before approving"), message)
    }
}
