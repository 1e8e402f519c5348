import AnnotationRecord
import Foundation
@testable import Store
import TestSupport
import XCTest

/// `StoreCopy` and `tbd store copy`: a store with every kind of row goes from SQLite to PostgreSQL and back with
/// every table's count and content hash unchanged; a target that holds anything is refused and left as it was.
final class StoreCopyTests: StoreBackendTestCase {
    /// A SQLite store with a row in every table: annotations (revisions, decisions of every kind, audit, a claim,
    /// a skip, an overlap conflict), batch units, the reply cache, renders and the render queue, clip links, failed items (one retried
    /// twice over) and a reference face.
    private func filledSQLiteStore() throws -> ProjectStore {
        let clock = TestClock()
        let store = try ProjectStore(path: try makeStoreLocation(), options: .init(clock: { clock.now }))
        let ids = try store.addAnnotations((0..<6).map { sampleAnnotation($0) })
        try store.approve(id: ids[0], curator: "ann")
        try store.reject(id: ids[1], curator: "ann", reason: .wrongEmotion, note: "looks sad")
        try store.edit(id: ids[2], curator: "bob", fine: "an edited fine prompt", approve: true)
        try store.approve(id: ids[3], curator: "bob")
        try store.undoLast(curator: "bob", reclaim: false)
        try store.claim(id: ids[4], curator: "cat")
        if let next = try store.advance(from: ids[4], by: .skip, curator: "cat").next { try store.release(id: next.annotationID, curator: "cat") }
        try store.setOverlap(2, curator: "lead")
        try store.approve(id: ids[5], curator: "ann")
        try store.reject(id: ids[5], curator: "bob", reason: .other, note: "not convinced")
        try store.claim(id: ids[4], curator: "dan")
        clock.advance(1.234)
        let unit = try store.completeBatchUnit(
            key: "M003/front/happy/3", annotation: sampleAnnotation(9, level: .intense),
            clips: [ClipLink(annotationID: 0, clipPath: "/data/mead/M003/front/happy/level_3/001.mp4", actorID: "M003", view: "front", emotion: "happy", level: 3)],
            referenceFace: ReferenceFace(
                box: [10.5, 20, 110, 140], probability: 0.998, landmarks: [[40, 60], [80, 60], [60, 90], [45, 110], [75, 110]],
                frameWidth: 256, frameHeight: 256, frameIndex: 3, frameSeconds: 0.12, detector: "mtcnn"))
        try store.failBatchUnit(key: "M003/front/sad/1", error: "the server kept failing")
        try store.storeResponse(requestHash: "sha256:abc", response: Data([0, 1, 2, 255, 10, 13]))
        let render = try store.startRender(
            NewRender(annotationID: ids[0], revision: 1, parametersJSON: #"{"steps":2}"#, seed: 42, modelPath: "/models/tiny"), isAbandoned: false)
        try store.finishRender(
            id: render, outputs: RenderOutputs(video: "/out/a.mp4", firstFrame: "/out/a.png", contactSheet: "/out/a-sheet.png", manifest: "/out/a.json"),
            timings: RenderTimings(windowsDone: 1, windowCount: 1, seconds: 1.5, secondsPerFrame: 0.25))
        try store.enqueueRenders([(ids[0], 1), (ids[2], 2)], settingsHash: "farm-settings")
        let item = try XCTUnwrap(try store.takeRenderItem(settingsHash: "farm-settings", worker: "w1", lease: 60))
        try store.finishRenderItem(itemID: item.id, worker: "w1", renderID: render)
        try store.addClipLink(ClipLink(annotationID: unit, clipPath: "/data/mead/M003/front/happy/level_3/002.mp4"))
        let failure = FailedAnnotation(
            subject: AnnotationSubject(sourcePath: "/data/astronaut.png", actorID: "W011", contentHash: "sha256:ab", description: "a woman"),
            emotion: "happy", level: .moderate, mode: .cot, backend: "openai-chat", endpoint: nil, model: "m", stageIndex: 2,
            stageTitle: "II action units", error: "no JSON object", stages: [StageRecord(index: 1, title: "I", text: "age 30s")], textOnly: true)
        let first = try store.addFailedAnnotation(failure)
        let second = try store.addFailedAnnotation(failure, retrying: first)
        _ = try store.addAnnotation(sampleAnnotation(20), retrying: second)
        return store
    }

    private func assertEveryTableHasRows(_ summaries: [StoreCopy.TableSummary], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(summaries.map(\.table).sorted(), (StoreCopy.tables.map(\.name) + ["status_count"]).sorted(), file: file, line: line)
        for summary in summaries { XCTAssertGreaterThan(summary.rows, 0, "\(summary.table) is empty", file: file, line: line) }
    }

    func testAStoreWithEveryKindOfRowRoundTripsThroughPostgreSQL() throws {
        let source = try filledSQLiteStore()
        let before = try StoreCopy.summaries(of: source)
        assertEveryTableHasRows(before)

        let postgres = try ProjectStore(path: try TestPostgresCluster.makeDatabase())
        XCTAssertEqual(try StoreCopy.copy(from: source, to: postgres), before)
        XCTAssertEqual(try postgres.integrityProblems(), [])
        XCTAssertEqual(try postgres.statusCounts(), try source.statusCounts())
        let (copied, original) = (try postgres.show(id: 3), try source.show(id: 3))
        XCTAssertEqual(copied.annotation, original.annotation)
        XCTAssertEqual(copied.revisions.map(\.finePrompt), original.revisions.map(\.finePrompt))
        XCTAssertEqual(copied.decisions.map(\.id), original.decisions.map(\.id))
        XCTAssertEqual(try postgres.auditLog(limit: 10_000).map(\.afterJSON), try source.auditLog(limit: 10_000).map(\.afterJSON))
        XCTAssertEqual(
            try postgres.failedAnnotations(includeRetried: true).map { [$0.id, $0.retriedFailedID, $0.retriedAnnotationID] },
            try source.failedAnnotations(includeRetried: true).map { [$0.id, $0.retriedFailedID, $0.retriedAnnotationID] })
        // New rows after the copy take ids past the copied ones.
        let next = try postgres.addAnnotation(sampleAnnotation(30))
        XCTAssertEqual(next, try source.list(limit: 1000).map(\.id).max()! + 1)

        let back = try ProjectStore(path: try makeStoreLocation())
        let copiedBack = try StoreCopy.copy(from: postgres, to: back)
        XCTAssertEqual(copiedBack, try StoreCopy.summaries(of: postgres))
        XCTAssertEqual(try back.integrityProblems(), [])
        XCTAssertEqual(try back.show(id: next).current.finePrompt, sampleAnnotation(30).finePrompt)
    }

    func testANonEmptyTargetIsRefusedAndKeepsItsRows() throws {
        let source = try filledSQLiteStore()
        let target = try ProjectStore(path: try TestPostgresCluster.makeDatabase())
        let kept = try target.addAnnotation(sampleAnnotation(1))
        XCTAssertThrowsError(try StoreCopy.copy(from: source, to: target)) { error in
            XCTAssertTrue("\(error)".contains("is not empty"), "\(error)")
        }
        XCTAssertEqual(try target.list().map(\.id), [kept])
        XCTAssertEqual(try StoreCopy.summaries(of: target).first { $0.table == "annotation" }?.rows, 1)
    }

    func testTheCommandCopiesAFileIntoPostgreSQLAndReportsTheHashes() throws {
        let source = try filledSQLiteStore()
        let url = try TestPostgresCluster.makeDatabase()
        let run = try BuiltProgram.run("tbd", ["store", "copy", "--from", source.path, "--to", url, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let tables = try XCTUnwrap(run.jsonObject?["tables"] as? [[String: Any]], run.stdout)
        let expected = try StoreCopy.summaries(of: source)
        XCTAssertEqual(tables.map { $0["sha256"] as? String }, expected.map(\.sha256))
        XCTAssertEqual(tables.map { $0["rows"] as? Int }, expected.map(\.rows))
        // A second copy into the same database is refused.
        let again = try BuiltProgram.run("tbd", ["store", "copy", "--from", source.path, "--to", url])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("is not empty"), again.stderr)
    }
}
