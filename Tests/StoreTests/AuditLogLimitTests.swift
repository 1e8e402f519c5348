import Foundation
import Store
import TestSupport
import XCTest

/// What `review audit --limit` reads: the recent end of the log.
final class AuditLogLimitTests: XCTestCase {
    func testALimitKeepsTheLatestEntriesOldestFirst() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
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
