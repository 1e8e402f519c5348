import AnnotationRecord
import Foundation
import TestSupport
import XCTest
@testable import Store

/// Refusals the store used to skip: releasing someone else's claim reported success and did nothing; text of
/// any length was stored and shown.
final class HostileStoreInputTests: XCTestCase {
    func testReleasingAnotherCuratorsClaimIsRefusedAndKeepsIt() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let id = try store.addAnnotation(sampleAnnotation())
        _ = try store.claim(id: id, curator: "ann")
        XCTAssertThrowsError(try store.release(id: id, curator: "bob")) { error in
            guard case .claimedByOther(_, let holder, _)? = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(holder, "ann")
        }
        XCTAssertEqual(try store.activeClaims().map(\.curator), ["ann"], "the claim is still ann's")
        try store.release(id: id, curator: "ann")
        XCTAssertEqual(try store.activeClaims().count, 0)
        try store.release(id: id, curator: "bob")  // nothing held: nothing to refuse
    }

    func testOverlongTextIsRefusedWithTheFieldAndTheBound() throws {
        let (store, folder) = try makeTemporaryStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        var huge = sampleAnnotation()
        huge.subject.description = String(repeating: "x", count: 100_000)
        XCTAssertThrowsError(try store.addAnnotation(huge)) { error in
            XCTAssertTrue("\(error)".contains("subject is 100000 characters long; at most \(TextLimits.subject)"), "\(error)")
        }
        XCTAssertEqual(try store.statusCounts().pending, 0)

        let id = try store.addAnnotation(sampleAnnotation())
        let long = String(repeating: "smile ", count: 1_000)
        XCTAssertThrowsError(try store.edit(id: id, curator: "ann", fine: long)) { error in
            XCTAssertTrue("\(error)".contains("fine prompt"), "\(error)")
        }
        XCTAssertThrowsError(try store.reject(id: id, curator: "ann", reason: .other, note: long)) { error in
            XCTAssertTrue("\(error)".contains("note"), "\(error)")
        }
        XCTAssertEqual(try store.show(id: id).status, .pending, "nothing was decided")
    }
}
