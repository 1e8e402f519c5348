import FACSKnowledge
import Foundation
@testable import Store
import AnnotationRecord
import TestSupport
import XCTest

class ReviewStoreTests: StoreBackendTestCase {
    var location: String!
    var clock: TestClock!
    var store: ProjectStore!

    override func setUpWithError() throws {
        location = try makeStoreLocation()
        clock = TestClock()
        store = try openStore()
    }

    override func tearDownWithError() throws {
        store = nil
    }

    func openStore() throws -> ProjectStore {
        let clock = clock!
        return try ProjectStore(path: location, options: .init(clock: { clock.now }))
    }

    func testAddedAnnotationIsPendingRevisionOneWithAuditEntry() throws {
        let id = try store.addAnnotation(sampleAnnotation(1))
        let detail = try store.show(id: id)
        XCTAssertEqual(detail.status, .pending)
        XCTAssertEqual(detail.current.number, 1)
        XCTAssertEqual(detail.revisions.count, 1)
        XCTAssertEqual(detail.current.aus, ["6C", "12C"])
        XCTAssertEqual(detail.stages.map(\.index), [1, 2, 3, 4])
        XCTAssertEqual(detail.stages[3].parsed, "{\"coarse\":\"a happy face\"}")
        XCTAssertEqual(detail.subject.actorID, "M003")
        XCTAssertEqual(detail.current.author, "pipeline:openai-chat")
        let audit = try store.auditLog(annotationID: id)
        XCTAssertEqual(audit.map(\.action), ["add"])
        XCTAssertNil(audit[0].beforeJSON)
        XCTAssertTrue(audit[0].afterJSON?.contains("\"status\":\"pending\"") ?? false)
        XCTAssertEqual(try store.statusCounts(), StatusCounts(pending: 1, approved: 0, rejected: 0))
    }

    func testSameSubjectIsStoredOnce() throws {
        let first = try store.addAnnotation(sampleAnnotation(1))
        let second = try store.addAnnotation(sampleAnnotation(1, fine: "another take"))
        XCTAssertEqual(try store.show(id: first).subjectID, try store.show(id: second).subjectID)
    }

    func testBadAnnotationsAreRefusedAndNothingIsStored() throws {
        // Level, kind and mode are typed now: a wrong one cannot be built. What the store still checks:
        var emptyPath = sampleAnnotation()
        emptyPath.subject.sourcePath = ""
        var badStages = sampleAnnotation()
        badStages.stages.append(StageRecord(index: 2, title: "again", text: "x"))
        var emptyPrompts = sampleAnnotation()
        emptyPrompts.coarsePrompt = ""
        emptyPrompts.finePrompt = ""
        for annotation in [emptyPath, badStages, emptyPrompts] {
            XCTAssertThrowsError(try store.addAnnotation(annotation))
        }
        XCTAssertThrowsError(try store.addAnnotations([sampleAnnotation(1), badStages]))
        XCTAssertEqual(try store.list().count, 0)
    }

    func testStatusMachineRefusesIllegalTransitions() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        try store.approve(id: id, curator: "ann")
        XCTAssertThrowsError(try store.approve(id: id, curator: "ann")) { error in
            XCTAssertEqual(error as? StoreError, .illegalTransition(annotationID: id, from: .approved, action: .approve))
        }
        XCTAssertThrowsError(try store.reject(id: id, curator: "ann", reason: .wrongEmotion))
        let rejected = try store.addAnnotation(sampleAnnotation(2))
        try store.reject(id: rejected, curator: "ann", reason: .wrongIntensity, note: "too strong")
        XCTAssertThrowsError(try store.approve(id: rejected, curator: "ann"))
        XCTAssertThrowsError(try store.edit(id: rejected, curator: "ann", fine: "x"))
        XCTAssertThrowsError(try store.approve(id: 999, curator: "ann")) { error in
            XCTAssertEqual(error as? StoreError, .notFound(annotationID: 999))
        }
        XCTAssertEqual(ReviewAction.transition(from: .pending, action: .approve), .approved)
        XCTAssertNil(ReviewAction.transition(from: .rejected, action: .edit))
    }

    func testEditOfApprovedItemAppendsRevisionAndReturnsToPending() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        try store.approve(id: id, curator: "ann")
        let revision = try store.edit(id: id, curator: "bob", fine: "a broad smile with raised cheeks")
        XCTAssertEqual(revision.number, 2)
        var detail = try store.show(id: id)
        XCTAssertEqual(detail.status, .pending)
        XCTAssertEqual(detail.current.finePrompt, "a broad smile with raised cheeks")
        XCTAssertEqual(detail.revisions.map(\.number), [1, 2])
        XCTAssertEqual(detail.revisions[0].finePrompt, sampleAnnotation().finePrompt, "revision 1 is kept as it was")
        let approved = try store.edit(id: id, curator: "bob", coarse: "a joyful face", approve: true)
        XCTAssertEqual(approved.number, 3)
        detail = try store.show(id: id)
        XCTAssertEqual(detail.status, .approved)
        XCTAssertEqual(detail.decidedBy, "bob")
        XCTAssertThrowsError(try store.edit(id: id, curator: "bob", coarse: "a joyful face"), "an edit that changes nothing is refused")
    }

    func testEditedAUsAreCheckedAgainstTheFACSTable() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        let revision = try store.edit(id: id, curator: "ann", aus: ["6C", "12C", "99"])
        XCTAssertTrue(revision.findings.contains { $0.kind == .unknownCode && $0.codes == [99] }, "\(revision.findings)")
        XCTAssertEqual(try store.list(filter: ReviewFilter(status: nil, hasFindings: true)).map(\.id), [id])
    }

    func testRevisionsAndAuditLogCannotBeRewritten() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        try store.approve(id: id, curator: "ann")
        // Each in a transaction of its own: on PostgreSQL a refused statement ends its transaction.
        for sql in [
            "UPDATE revision SET fine_prompt = 'x'", "DELETE FROM revision", "UPDATE audit_log SET curator = 'mallory'",
            "DELETE FROM audit_log", "UPDATE decision SET curator = 'mallory'", "DELETE FROM decision",
        ] {
            XCTAssertThrowsError(try store.database.write { db in try db.execute(sql: sql) }, sql)
        }
        XCTAssertEqual(try store.auditLog(annotationID: id).map(\.curator).last, "ann")
    }

    func testDecisionsAreAuditedWithBeforeAndAfter() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        try store.claim(id: id, curator: "ann")
        try store.reject(id: id, curator: "ann", reason: .abnormalDescription, note: "mentions a hat")
        let entries = try store.auditLog(annotationID: id)
        XCTAssertEqual(entries.map(\.action), ["add", "claim", "reject"])
        let reject = try XCTUnwrap(entries.last)
        XCTAssertEqual(reject.curator, "ann")
        XCTAssertTrue(reject.beforeJSON?.contains("\"status\":\"pending\"") ?? false)
        XCTAssertTrue(reject.afterJSON?.contains("\"status\":\"rejected\"") ?? false)
        XCTAssertTrue(reject.afterJSON?.contains("mentions a hat") ?? false)
        XCTAssertNil(try store.show(id: id).claim, "a decision releases the claim")
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testRejectionReasonsComeFromTheListAndOtherNeedsANote() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        XCTAssertThrowsError(try store.reject(id: id, curator: "ann", reason: .other))
        XCTAssertThrowsError(try store.reject(id: id, curator: "ann", reason: .other, note: "   "))
        let decision = try store.reject(id: id, curator: "ann", reason: .other, note: "frame is black")
        XCTAssertEqual(decision.reason, .other)
        XCTAssertEqual(decision.note, "frame is black")
        XCTAssertEqual(RejectReason.parse("wrong_emotion: looks sad")?.reason, .wrongEmotion)
        XCTAssertEqual(RejectReason.parse("wrong-intensity")?.reason, .wrongIntensity)
        XCTAssertEqual(RejectReason.parse("wrong_emotion: looks sad")?.note, "looks sad")
        XCTAssertNil(RejectReason.parse("because"))
    }

    func testUndoRevertsDecisionAndEditWithoutDeletingAnything() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        try store.approve(id: id, curator: "ann")
        let undo = try store.undoLast(curator: "ann")
        XCTAssertEqual(undo.action, .undo)
        XCTAssertEqual(undo.statusAfter, .pending)
        var detail = try store.show(id: id)
        XCTAssertEqual(detail.status, .pending)
        XCTAssertNil(detail.decidedBy)
        XCTAssertEqual(detail.claim?.curator, "ann", "the undone item goes back to its curator")

        try store.edit(id: id, curator: "ann", fine: "edited", approve: true)
        try store.undoLast(curator: "ann")
        detail = try store.show(id: id)
        XCTAssertEqual(detail.current.number, 1)
        XCTAssertEqual(detail.status, .pending)
        XCTAssertEqual(detail.revisions.count, 2, "the undone revision stays in the history")
        XCTAssertEqual(detail.decisions.map(\.action), [.approve, .undo, .edit, .undo])
        // Undone decisions cannot be undone again; the approve was undone first.
        XCTAssertThrowsError(try store.undoLast(curator: "ann")) { error in
            XCTAssertEqual(error as? StoreError, .nothingToUndo(curator: "ann"))
        }
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    /// A one-shot `tbd review undo` has no screen to renew or release a claim: without reclaim the item is free
    /// for another curator at once, instead of locked away for the lease.
    func testUndoWithoutReclaimLeavesTheItemFreeForAnotherCurator() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        try store.approve(id: id, curator: "ann")
        try store.undoLast(curator: "ann", reclaim: false)
        XCTAssertNil(try store.show(id: id).claim)
        XCTAssertNoThrow(try store.approve(id: id, curator: "bob"))
        XCTAssertEqual(try store.show(id: id).decidedBy, "bob")
    }

    func testUndoIsRefusedWhenTheItemChangedSince() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        try store.approve(id: id, curator: "ann")
        try store.edit(id: id, curator: "bob", fine: "changed by bob")
        XCTAssertThrowsError(try store.undoLast(curator: "ann")) { error in
            guard case .undoConflict(let conflicted, _) = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(conflicted, id)
        }
        XCTAssertEqual(try store.show(id: id).current.finePrompt, "changed by bob")
    }

    func testUndoOfARejectionAfterAnEarlierApprovalRestoresTheRightDecider() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        try store.edit(id: id, curator: "bob", fine: "bob's text", approve: true)
        try store.edit(id: id, curator: "ann", fine: "ann's text", approve: true)
        try store.undoLast(curator: "ann")
        let detail = try store.show(id: id)
        XCTAssertEqual(detail.status, .approved)
        XCTAssertEqual(detail.decidedBy, "bob")
        XCTAssertEqual(detail.current.finePrompt, "bob's text")
    }

    func testClaimsHandDifferentItemsAndLeasesExpire() throws {
        let ids = try store.addAnnotations((0..<3).map { sampleAnnotation($0) })
        let ann = try XCTUnwrap(try store.claimNext(curator: "ann"))
        let bob = try XCTUnwrap(try store.claimNext(curator: "bob"))
        XCTAssertEqual(ann.annotationID, ids[0])
        XCTAssertEqual(bob.annotationID, ids[1])
        XCTAssertEqual(ann.expiresAt, clock.now.addingTimeInterval(600), "the default lease is ten minutes")
        XCTAssertEqual(try store.claimNext(curator: "ann")?.annotationID, ids[0], "a curator's own claim comes back first")

        XCTAssertThrowsError(try store.approve(id: ids[1], curator: "ann")) { error in
            guard case .claimedByOther(_, let holder, _) = error as? StoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(holder, "bob")
        }
        XCTAssertThrowsError(try store.renew(id: ids[1], curator: "ann"))
        XCTAssertThrowsError(try store.claim(id: ids[1], curator: "ann"))

        clock.advance(300)
        let renewed = try store.renew(id: ids[1], curator: "bob")
        XCTAssertEqual(renewed.expiresAt, clock.now.addingTimeInterval(600))
        clock.advance(601)
        // Bob's lease is stale: carol takes the item, and bob may no longer decide or renew.
        XCTAssertEqual(try store.claim(id: ids[1], curator: "carol").curator, "carol")
        XCTAssertThrowsError(try store.approve(id: ids[1], curator: "bob"))
        XCTAssertThrowsError(try store.renew(id: ids[1], curator: "bob"))
        try store.approve(id: ids[1], curator: "carol")
        XCTAssertEqual(try store.auditLog(annotationID: ids[1]).map(\.action), ["add", "claim", "renew", "claim", "approve"])
        XCTAssertEqual(try store.activeClaims().map(\.curator), [])
    }

    func testClaimNextHonoursFiltersAndWraps() throws {
        _ = try store.addAnnotation(sampleAnnotation(0, emotion: "sad"))
        let happy = try store.addAnnotation(sampleAnnotation(1, emotion: "happy", actor: "W010"))
        XCTAssertEqual(try store.claimNext(curator: "ann", filter: ReviewFilter.parse("emotion=happy"))?.annotationID, happy)
        XCTAssertEqual(try store.claimNext(curator: "bob", filter: ReviewFilter.parse("actor=W010")), nil, "ann holds the only W010 item")
        XCTAssertEqual(try store.claimNext(curator: "ann", after: happy)?.annotationID, 1, "past the end it starts again")
        try store.release(id: happy, curator: "ann")
        XCTAssertEqual(try store.claimNext(curator: "bob", filter: ReviewFilter.parse("actor=W010"))?.annotationID, happy)
    }

    func testListFiltersAndNeighbours() throws {
        _ = try store.addAnnotations([
            sampleAnnotation(0, emotion: "happy", level: .mild),
            sampleAnnotation(1, emotion: "sad", level: .intense, actor: "W001", backend: "offline-facs-rules"),
            sampleAnnotation(2, emotion: "happy", level: .intense),
        ])
        try store.approve(id: 3, curator: "ann")
        XCTAssertEqual(try store.list(filter: ReviewFilter.parse("status=any emotion=happy")).map(\.id), [1, 3])
        XCTAssertEqual(try store.list(filter: ReviewFilter.parse("level=3")).map(\.id), [2])
        XCTAssertEqual(try store.list(filter: ReviewFilter.parse("status=approved")).map(\.decidedBy), ["ann"])
        XCTAssertEqual(try store.list(filter: ReviewFilter.parse("actor=W001 backend=offline-facs-rules")).map(\.id), [2])
        XCTAssertEqual(try store.list(filter: ReviewFilter(status: nil), limit: 1, after: 1).map(\.id), [2])
        XCTAssertEqual(try store.neighbour(of: 1, filter: ReviewFilter(status: nil), forward: true), 2)
        XCTAssertEqual(try store.neighbour(of: 3, filter: ReviewFilter(status: nil), forward: false), 2)
        XCTAssertNil(try store.neighbour(of: 3, filter: ReviewFilter(status: nil), forward: true))
        XCTAssertThrowsError(try ReviewFilter.parse("colour=red"))
        XCTAssertThrowsError(try ReviewFilter.parse("level=9"))
        XCTAssertEqual(try ReviewFilter.parse("emotion=sad findings=no").text, "status=pending emotion=sad findings=no")
    }

    func testFilterValuesAreBoundNotSpliced() throws {
        _ = try store.addAnnotation(sampleAnnotation())
        let hostile = try ReviewFilter.parse("emotion='happy'--")
        XCTAssertEqual(try store.list(filter: hostile).count, 0)
        XCTAssertEqual(try store.list(filter: ReviewFilter.parse("actor=x';DROP_TABLE_annotation;--")).count, 0)
        XCTAssertEqual(try store.list().count, 1)
    }

    func testStatsCountStandingDecisions() throws {
        let ids = try store.addAnnotations((0..<4).map { sampleAnnotation($0) })
        try store.approve(id: ids[0], curator: "ann")
        try store.approve(id: ids[1], curator: "ann")
        try store.reject(id: ids[2], curator: "bob", reason: .wrongEmotion)
        try store.undoLast(curator: "ann")
        let stats = try store.stats()
        XCTAssertEqual([stats.pending, stats.approved, stats.rejected, stats.total], [2, 1, 1, 4])
        XCTAssertEqual(stats.byCurator.first { $0.curator == "ann" }?.approved, 1)
        XCTAssertEqual(stats.byCurator.first { $0.curator == "ann" }?.undone, 1)
        XCTAssertEqual(stats.rejectReasons, ["wrong_emotion": 1])
        XCTAssertEqual(try store.decisionsInLastHour(curator: "ann"), 2)
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testRenderAndClipLinkRecords() throws {
        let id = try store.addAnnotation(sampleAnnotation())
        XCTAssertThrowsError(try store.startRender(NewRender(annotationID: id, revision: 2, parametersJSON: "{}", seed: 1, modelPath: "m"), isAbandoned: false))
        let parameters = "{\"steps\":40,\"cfg\":3.5}"
        let first = try store.startRender(NewRender(
            annotationID: id, revision: 1, parametersJSON: parameters, seed: 42, modelPath: "models/sd15", modelHash: "abc"), isAbandoned: false)
        try store.finishWindow(renderID: first, done: 1, of: 3)
        XCTAssertEqual(try store.renders(annotationID: id).first?.timings, RenderTimings(windowsDone: 1, windowCount: 3))
        // A second start of the same parameters while the first is abandoned marks the first failed, in the same transaction.
        let render = try store.startRender(NewRender(
            annotationID: id, revision: 1, parametersJSON: parameters, seed: 42, modelPath: "models/sd15", modelHash: "abc"), isAbandoned: true)
        XCTAssertEqual(try store.renders(status: .failed).map(\.id), [first])
        XCTAssertThrowsError(try store.finishWindow(renderID: first, done: 2, of: 3), "a failed render takes no more windows")
        let outputs = RenderOutputs(video: "out/1.mp4", firstFrame: "out/1.png", contactSheet: "out/1-sheet.png", manifest: "out/1.json")
        try store.finishRender(id: render, outputs: outputs, timings: RenderTimings(seconds: 4.3, secondsPerFrame: 1.4))
        let records = try store.renders(annotationID: id, status: .done)
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records[0].outputs, outputs)
        XCTAssertEqual(records[0].timings.seconds, 4.3)
        XCTAssertEqual(records[0].seed, 42)
        XCTAssertThrowsError(try store.failRender(id: render, reason: "late"), "a done render is not failed afterwards")
        XCTAssertThrowsError(try store.finishRender(id: 999, outputs: outputs, timings: RenderTimings()))
        XCTAssertEqual(try store.renders(status: .queued).count, 0)

        let link = ClipLink(annotationID: id, clipPath: "data/mead/M003/front/happy/level_2/002.mp4", actorID: "M003", view: "front", emotion: "happy", level: 2)
        let linkID = try store.addClipLink(link)
        XCTAssertEqual(try store.addClipLink(link), linkID, "linking twice keeps one link")
        XCTAssertThrowsError(try store.addClipLink(ClipLink(annotationID: 999, clipPath: "x")))
        XCTAssertEqual(try store.clipLinks(annotationID: id).map(\.clipPath), [StoredPath.absolute(link.clipPath)], "stored absolute")
        XCTAssertEqual(try store.clipLinks(clipPath: link.clipPath).first?.annotationID, id)
        XCTAssertEqual(try store.stats().renders, 2, "the failed and the done render")
    }

    func testAdvanceDecidesAndClaimsTheNextItemInOneStep() throws {
        let ids = try store.addAnnotations((0..<3).map { sampleAnnotation($0) })
        try store.claim(id: ids[0], curator: "ann")
        let (decision, next) = try store.advance(from: ids[0], by: .approve(note: nil), curator: "ann")
        XCTAssertEqual(decision?.action, .approve)
        XCTAssertEqual(next?.annotationID, ids[1])
        let (skipped, after) = try store.advance(from: ids[1], by: .skip, curator: "ann")
        XCTAssertNil(skipped)
        XCTAssertEqual(after?.annotationID, ids[2])
        XCTAssertEqual(try store.activeClaims().map(\.annotationID), [ids[2]], "the skipped item went back to the queue")
        XCTAssertThrowsError(try store.advance(from: ids[2], by: .reject(.other, note: nil), curator: "ann"))
        XCTAssertThrowsError(try store.advance(from: ids[2], by: .approve(note: nil), curator: "bob"), "bob cannot decide on ann's item")
        XCTAssertEqual(try store.show(id: ids[2]).status, .pending, "a refused step changes nothing")
        XCTAssertEqual(try store.integrityProblems(), [])
    }
}

/// ReviewStoreTests on PostgreSQL: each test again on a fresh database of the test cluster. Linux XCTest runs only the
/// tests a class declares itself, so each one is declared here and runs the inherited body.
final class ReviewStoreOnPostgresTests: ReviewStoreTests {
    override class var backend: Backend { .postgres }
    override func testAddedAnnotationIsPendingRevisionOneWithAuditEntry() throws { try super.testAddedAnnotationIsPendingRevisionOneWithAuditEntry() }
    override func testSameSubjectIsStoredOnce() throws { try super.testSameSubjectIsStoredOnce() }
    override func testBadAnnotationsAreRefusedAndNothingIsStored() throws { try super.testBadAnnotationsAreRefusedAndNothingIsStored() }
    override func testStatusMachineRefusesIllegalTransitions() throws { try super.testStatusMachineRefusesIllegalTransitions() }
    override func testEditOfApprovedItemAppendsRevisionAndReturnsToPending() throws { try super.testEditOfApprovedItemAppendsRevisionAndReturnsToPending() }
    override func testEditedAUsAreCheckedAgainstTheFACSTable() throws { try super.testEditedAUsAreCheckedAgainstTheFACSTable() }
    override func testRevisionsAndAuditLogCannotBeRewritten() throws { try super.testRevisionsAndAuditLogCannotBeRewritten() }
    override func testDecisionsAreAuditedWithBeforeAndAfter() throws { try super.testDecisionsAreAuditedWithBeforeAndAfter() }
    override func testRejectionReasonsComeFromTheListAndOtherNeedsANote() throws { try super.testRejectionReasonsComeFromTheListAndOtherNeedsANote() }
    override func testUndoRevertsDecisionAndEditWithoutDeletingAnything() throws { try super.testUndoRevertsDecisionAndEditWithoutDeletingAnything() }
    override func testUndoWithoutReclaimLeavesTheItemFreeForAnotherCurator() throws { try super.testUndoWithoutReclaimLeavesTheItemFreeForAnotherCurator() }
    override func testUndoIsRefusedWhenTheItemChangedSince() throws { try super.testUndoIsRefusedWhenTheItemChangedSince() }
    override func testUndoOfARejectionAfterAnEarlierApprovalRestoresTheRightDecider() throws { try super.testUndoOfARejectionAfterAnEarlierApprovalRestoresTheRightDecider() }
    override func testClaimsHandDifferentItemsAndLeasesExpire() throws { try super.testClaimsHandDifferentItemsAndLeasesExpire() }
    override func testClaimNextHonoursFiltersAndWraps() throws { try super.testClaimNextHonoursFiltersAndWraps() }
    override func testListFiltersAndNeighbours() throws { try super.testListFiltersAndNeighbours() }
    override func testFilterValuesAreBoundNotSpliced() throws { try super.testFilterValuesAreBoundNotSpliced() }
    override func testStatsCountStandingDecisions() throws { try super.testStatsCountStandingDecisions() }
    override func testRenderAndClipLinkRecords() throws { try super.testRenderAndClipLinkRecords() }
    override func testAdvanceDecidesAndClaimsTheNextItemInOneStep() throws { try super.testAdvanceDecidesAndClaimsTheNextItemInOneStep() }
}
