import Foundation
import Store
import TestSupport
import XCTest

/// What the screen's conflict banner and `review show --json` read: the disagreement and who said what.
class ConflictDetailTests: StoreBackendTestCase {
    func testAConflictedItemShowsTheResponsesThatDisagree() throws {
        let store = try makeStore()
        try store.setOverlap(2, curator: "lead")
        let id = try store.addAnnotation(sampleAnnotation(0))
        XCTAssertNil(try store.show(id: id).conflict)
        try store.approve(id: id, curator: "ann")
        try store.reject(id: id, curator: "bob", reason: .wrongEmotion, note: "looks sad")
        let conflict = try XCTUnwrap(try store.show(id: id).conflict)
        XCTAssertEqual(conflict.revision, 1)
        XCTAssertEqual(conflict.responses.map(\.curator), ["ann", "bob"])
        XCTAssertEqual(conflict.responses.map(\.decision), ["approve", "reject"])
        XCTAssertEqual(conflict.responses.last?.reason, "wrong_emotion")
        XCTAssertThrowsError(try store.approve(id: id, curator: "cy")) { error in
            XCTAssertEqual(error as? StoreError, .awaitsReviewer(annotationID: id))
        }
        try store.approve(id: id, curator: "rita", role: .reviewer)
        XCTAssertNil(try store.show(id: id).conflict, "settled")
    }
}

/// ConflictDetailTests on PostgreSQL: each test again on a fresh database of the test cluster. Linux XCTest runs only the
/// tests a class declares itself, so each one is declared here and runs the inherited body.
final class ConflictDetailOnPostgresTests: ConflictDetailTests {
    override class var backend: Backend { .postgres }
    override func testAConflictedItemShowsTheResponsesThatDisagree() throws { try super.testAConflictedItemShowsTheResponsesThatDisagree() }
}
