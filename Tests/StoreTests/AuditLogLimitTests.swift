import Foundation
import Store
import TestSupport
import XCTest

/// What `review audit --limit` reads: the recent end of the log.
class AuditLogLimitTests: StoreBackendTestCase {
    func testALimitKeepsTheLatestEntriesOldestFirst() throws {
        let store = try makeStore()
        let id = try store.addAnnotation(sampleAnnotation(0))
        _ = try store.claim(id: id, curator: "ann")
        try store.approve(id: id, curator: "ann")
        _ = try store.undoLast(curator: "ann")
        let all = try store.auditLog(annotationID: id)
        XCTAssertEqual(all.map(\.action), ["add", "claim", "approve", "undo"])
        XCTAssertEqual(try store.auditLog(annotationID: id, limit: 2).map(\.action), ["approve", "undo"])
        XCTAssertEqual(try store.auditLog(limit: 1).map(\.id), [all.last!.id])
    }
}

/// AuditLogLimitTests on PostgreSQL: each test again on a fresh database of the test cluster. Linux XCTest runs only the
/// tests a class declares itself, so each one is declared here and runs the inherited body.
final class AuditLogLimitOnPostgresTests: AuditLogLimitTests {
    override class var backend: Backend { .postgres }
    override func testALimitKeepsTheLatestEntriesOldestFirst() throws { try super.testALimitKeepsTheLatestEntriesOldestFirst() }
}
