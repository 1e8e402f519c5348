import AnnotationRecord
import Foundation
@testable import Store
import TestSupport
import XCTest

/// A skip means "not now": the item comes back only after everything else, in this session and the next.
class CuratorSkipTests: StoreBackendTestCase {
    func testASkippedItemComesBackLastEvenWhenTheQueueOpensAgain() throws {
        let store = try makeStore()
        _ = try store.addAnnotations((0..<3).map { sampleAnnotation($0) })
        let first = try XCTUnwrap(try store.claimNext(curator: "ann"))
        XCTAssertEqual(first.annotationID, 1)
        let (_, next) = try store.advance(from: 1, by: .skip, curator: "ann")
        XCTAssertEqual(next?.annotationID, 2)
        try store.release(id: 2, curator: "ann")
        // The queue opens again: item 2, not the skipped item 1.
        XCTAssertEqual(try store.claimNext(curator: "ann")?.annotationID, 2)
        // Another curator never skipped it: item 1 is first for bob.
        XCTAssertEqual(try store.claimNext(curator: "bob")?.annotationID, 1)
        try store.release(id: 1, curator: "bob")
        // Once everything else is decided, the skipped item comes back.
        _ = try store.advance(from: 2, by: .approve(note: nil), curator: "ann")
        try store.release(id: 3, curator: "ann")
        try store.approve(id: 3, curator: "ann")
        XCTAssertEqual(try store.claimNext(curator: "ann")?.annotationID, 1)
    }
}

/// CuratorSkipTests on PostgreSQL: each test again on a fresh database of the test cluster. Linux XCTest runs only the
/// tests a class declares itself, so each one is declared here and runs the inherited body.
final class CuratorSkipOnPostgresTests: CuratorSkipTests {
    override class var backend: Backend { .postgres }
    override func testASkippedItemComesBackLastEvenWhenTheQueueOpensAgain() throws { try super.testASkippedItemComesBackLastEvenWhenTheQueueOpensAgain() }
}
