import FACSKnowledge
import Foundation
import Store
import AnnotationRecord
import TestSupport
import XCTest

/// A revision with an error finding (here an unknown AU, 99) is approved only with force, on every path the store
/// offers: approve, the queue's advance, an approved edit, a curator's response under overlap, a reviewer.
class ErrorFindingApprovalTests: StoreBackendTestCase {
    private var store: ProjectStore!

    override func setUpWithError() throws {
        store = try makeStore()
    }

    /// An item whose current revision names AU99, as `review edit 4 --aus "6C 99"` leaves it.
    private func itemWithUnknownAU() throws -> Int64 {
        let id = try store.addAnnotation(sampleAnnotation(0))
        let revision = try store.edit(id: id, curator: "ann", aus: ["6C", "99"])
        XCTAssertEqual(revision.findings.filter { $0.severity == .error }.map(\.kind), [.unknownCode], "the edit checks the AUs again")
        return id
    }

    private func assertRefusedForErrorFindings(_ body: @autoclosure () throws -> Any, id: Int64, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard case .errorFindings(let refused, let findings)? = error as? StoreError else {
                return XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertEqual(refused, id, file: file, line: line)
            XCTAssertEqual(findings.map(\.kind), [.unknownCode], file: file, line: line)
            XCTAssertTrue("\(error)".contains("unknown_code"), "the message names the finding: \(error)", file: file, line: line)
        }
    }

    func testApproveNeedsForceAndTheAuditSaysItWasForced() throws {
        let id = try itemWithUnknownAU()
        assertRefusedForErrorFindings(try store.approve(id: id, curator: "ann"), id: id)
        XCTAssertEqual(try store.show(id: id).status, .pending, "nothing was decided")
        XCTAssertEqual(try store.show(id: id).decisions.map(\.action), [.edit])
        try store.approve(id: id, curator: "ann", force: true)
        XCTAssertEqual(try store.show(id: id).status, .approved)
        let approval = try XCTUnwrap(try store.auditLog(annotationID: id).last)
        XCTAssertEqual(approval.action, "approve")
        XCTAssertTrue(approval.afterJSON?.contains("\"forced\":true") ?? false, approval.afterJSON ?? "")
    }

    func testTheQueueStepAndAnApprovedEditNeedForceToo() throws {
        let id = try itemWithUnknownAU()
        _ = try store.claim(id: id, curator: "ann")
        assertRefusedForErrorFindings(try store.advance(from: id, by: .approve(note: nil), curator: "ann"), id: id)
        XCTAssertEqual(try store.show(id: id).status, .pending)
        _ = try store.advance(from: id, by: .approve(note: nil, force: true), curator: "ann")
        XCTAssertEqual(try store.show(id: id).status, .approved)

        let other = try store.addAnnotation(sampleAnnotation(1))
        assertRefusedForErrorFindings(try store.edit(id: other, curator: "ann", aus: ["6C", "99"], approve: true), id: other)
        XCTAssertEqual(try store.show(id: other).revisions.count, 1, "a refused edit stores no revision")
        try store.edit(id: other, curator: "ann", aus: ["6C", "99"], approve: true, force: true)
        XCTAssertEqual(try store.show(id: other).status, .approved)
    }

    func testAnErrorFromThePipelineNeedsForceWhileWarningsDoNot() throws {
        let error = Finding(severity: .error, kind: .exclusiveCodes, codes: [25, 26], message: "AU25 and AU26 exclude each other")
        let warning = Finding(severity: .warning, kind: .missingCoreAU, codes: [6], message: "no AU6")
        let flagged = try store.addAnnotation(sampleAnnotation(0, findings: [error, warning]))
        let warned = try store.addAnnotation(sampleAnnotation(1, findings: [warning]))
        XCTAssertThrowsError(try store.approve(id: flagged, curator: "ann"))
        XCTAssertNoThrow(try store.approve(id: warned, curator: "ann"))
    }

    func testCuratorResponsesAndReviewersNeedForce() throws {
        try store.setOverlap(2, curator: "lead")
        let id = try itemWithUnknownAU()
        assertRefusedForErrorFindings(try store.approve(id: id, curator: "bob"), id: id)
        try store.approve(id: id, curator: "bob", force: true)
        try store.reject(id: id, curator: "cy", reason: .contradictoryAUs)
        XCTAssertEqual(try store.openConflicts(), [id])
        assertRefusedForErrorFindings(try store.approve(id: id, curator: "rita", role: .reviewer), id: id)
        XCTAssertEqual(try store.openConflicts(), [id], "a refused reviewer settles nothing")
        try store.approve(id: id, curator: "rita", role: .reviewer, force: true)
        XCTAssertEqual(try store.show(id: id).status, .approved)
    }
}

/// ErrorFindingApprovalTests on PostgreSQL: each test again on a fresh database of the test cluster. Linux XCTest runs only the
/// tests a class declares itself, so each one is declared here and runs the inherited body.
final class ErrorFindingApprovalOnPostgresTests: ErrorFindingApprovalTests {
    override class var backend: Backend { .postgres }
    override func testApproveNeedsForceAndTheAuditSaysItWasForced() throws { try super.testApproveNeedsForceAndTheAuditSaysItWasForced() }
    override func testTheQueueStepAndAnApprovedEditNeedForceToo() throws { try super.testTheQueueStepAndAnApprovedEditNeedForceToo() }
    override func testAnErrorFromThePipelineNeedsForceWhileWarningsDoNot() throws { try super.testAnErrorFromThePipelineNeedsForceWhileWarningsDoNot() }
    override func testCuratorResponsesAndReviewersNeedForce() throws { try super.testCuratorResponsesAndReviewersNeedForce() }
}
