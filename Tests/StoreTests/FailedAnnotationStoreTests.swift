import AnnotationRecord
import FACSKnowledge
import Foundation
import GRDB
@testable import Store
import TestSupport
import XCTest

/// Failed items live in the store with their transcript (migration v4-failed-annotation), apart from the review
/// queue: they never count as pending work and never break its invariants.
class FailedAnnotationStoreTests: StoreBackendTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func sampleFailure() -> FailedAnnotation {
        let stages = [
            StageRecord(index: 1, title: "I facial information", text: "age 30s", request: #"{"model":"m"}"#, rawReply: #"{"age_range":"30s"}"#, parsed: #"{"age_range":"30s"}"#),
            StageRecord(index: 2, title: "II action units", text: "failed: no JSON object", request: #"{"model":"m"}"#, rawReply: "no JSON, \u{1B}[31mred\u{1B}[0m prose"),
        ]
        return FailedAnnotation(
            subject: AnnotationSubject(sourcePath: "/data/astronaut.png", actorID: "W011", contentHash: "sha256:ab", description: "a woman"),
            emotion: "Happy", level: .intense, mode: .cot, backend: "openai-chat", endpoint: "http://127.0.0.1:8088/v1",
            model: "smollm2", stageIndex: 2, stageTitle: "II action units", error: "stage II action units failed: no JSON object",
            stages: stages, recordPath: "/data/cotfa-failed/x.json")
    }

    func testFailedItemIsStoredWithItsTranscriptExactly() throws {
        let store = try makeStore()
        let failure = sampleFailure()
        let id = try store.addFailedAnnotation(failure)
        let stored = try XCTUnwrap(try store.failedAnnotation(id: id))
        XCTAssertEqual(stored.id, id)
        XCTAssertNotNil(stored.createdAt)
        XCTAssertEqual(stored.emotion, "happy")
        XCTAssertEqual(stored.level, .intense)
        XCTAssertEqual(stored.subject, failure.subject)
        XCTAssertEqual(stored.model, "smollm2")
        XCTAssertEqual(stored.stageIndex, 2)
        XCTAssertEqual(stored.error, failure.error)
        XCTAssertEqual(stored.recordPath, failure.recordPath)
        XCTAssertEqual(stored.stages.map(\.index), [1, 2])
        XCTAssertEqual(stored.stages[1].rawReply, "no JSON, \u{1B}[31mred\u{1B}[0m prose", "raw replies kept exactly as received")
        XCTAssertEqual(try store.failedAnnotationCount(), 1)
        XCTAssertNil(try store.failedAnnotation(id: id + 1))
    }

    /// A failed item's JSON form: the fields of the request and of the failure side by side.
    func testTheJSONFormIsFixed() throws {
        var failure = sampleFailure()
        failure.id = 7
        failure.createdAt = Date(timeIntervalSince1970: 1_800_000_000)
        for index in failure.stages.indices { failure.stages[index].startedAt = Date(timeIntervalSince1970: 1_800_000_000) }
        let text = try ProjectJSON.string(failure)
        XCTAssertEqual(text, #"{"backend":"openai-chat","created_at":"2027-01-15T08:00:00Z","emotion":"Happy","endpoint":"http://127.0.0.1:8088/v1","error":"stage II action units failed: no JSON object","id":7,"level":3,"mode":"cot","model":"smollm2","record_path":"/data/cotfa-failed/x.json","stage_index":2,"stage_title":"II action units","stages":[{"attempts":0,"index":1,"latency_seconds":0,"parsed":"{\"age_range\":\"30s\"}","raw_reply":"{\"age_range\":\"30s\"}","request":"{\"model\":\"m\"}","started_at":"2027-01-15T08:00:00Z","text":"age 30s","title":"I facial information"},{"attempts":0,"index":2,"latency_seconds":0,"raw_reply":"no JSON, \u001b[31mred\u001b[0m prose","request":"{\"model\":\"m\"}","started_at":"2027-01-15T08:00:00Z","text":"failed: no JSON object","title":"II action units"}],"subject":{"actor_id":"W011","content_hash":"sha256:ab","description":"a woman","kind":"image","source_path":"/data/astronaut.png"},"text_only":false}"#)
        XCTAssertEqual(try ProjectJSON.decode(FailedAnnotation.self, from: text), failure)
    }

    func testFailedItemsStayOutOfTheReviewQueue() throws {
        let store = try makeStore()
        _ = try store.addFailedAnnotation(sampleFailure())
        _ = try store.addFailedAnnotation(sampleFailure())
        XCTAssertEqual(try store.failedAnnotations().compactMap(\.id), [1, 2], "oldest first, as review list pages")
        XCTAssertEqual(try store.statusCounts().pending, 0)
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testUnusableFailureIsRefused() throws {
        let store = try makeStore()
        var failure = sampleFailure()
        failure.stageIndex = 0
        XCTAssertThrowsError(try store.addFailedAnnotation(failure))
        failure = sampleFailure()
        failure.subject.sourcePath = ""
        XCTAssertThrowsError(try store.addFailedAnnotation(failure))
        XCTAssertEqual(try store.failedAnnotationCount(), 0)
    }

    func testAStoreFromBeforeV4GainsTheTable() throws {
        let path = folder.appendingPathComponent("v3.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try StoreSchema.migrator(upTo: "v3-batch-unit-and-call-cache").migrate(pool)
            try pool.read { db in XCTAssertFalse(try db.tableExists("failed_annotation")) }
        }
        let store = try ProjectStore(path: path)
        XCTAssertTrue(try store.appliedMigrations().contains("v4-failed-annotation"))
        XCTAssertEqual(try store.addFailedAnnotation(sampleFailure()), 1)
    }

    func testARetryThatSucceedsTakesTheItemOffTheOpenFailures() throws {
        let store = try makeStore()
        _ = try store.addFailedAnnotation(sampleFailure())
        _ = try store.addFailedAnnotation(sampleFailure())
        XCTAssertEqual(try store.stats().failed, 2)
        let annotation = try store.addAnnotation(sampleAnnotation(0), retrying: 1)
        XCTAssertEqual(try store.failedAnnotations().compactMap(\.id), [2])
        XCTAssertEqual(try store.failedAnnotations(includeRetried: true).compactMap(\.id), [1, 2], "a retried item is kept")
        let retried = try XCTUnwrap(try store.failedAnnotation(id: 1))
        XCTAssertEqual(retried.retriedAnnotationID, annotation)
        XCTAssertNotNil(retried.retriedAt)
        XCTAssertEqual(try store.failedAnnotationCount(), 1)
        XCTAssertEqual(try store.stats().failed, 1)
        XCTAssertEqual(try store.stats().total, 1, "the retry's annotation is review work")
        // A second retry of the same item stores nothing: both retries cannot leave an annotation.
        XCTAssertThrowsError(try store.addAnnotation(sampleAnnotation(1), retrying: 1)) { error in
            XCTAssertTrue("\(error)".contains("failed item 1 was retried already (it gave annotation #\(annotation))"), "\(error)")
        }
        XCTAssertEqual(try store.statusCounts().pending, 1)
    }

    func testARetryThatFailsAgainLeavesOnlyTheNewFailureOpen() throws {
        let store = try makeStore()
        _ = try store.addFailedAnnotation(sampleFailure())
        let again = try store.addFailedAnnotation(sampleFailure(), retrying: 1)
        XCTAssertEqual(try store.failedAnnotations().compactMap(\.id), [again])
        XCTAssertEqual(try store.failedAnnotation(id: 1)?.retriedFailedID, again)
        XCTAssertThrowsError(try store.addFailedAnnotation(sampleFailure(), retrying: 99))
        XCTAssertEqual(try store.failedAnnotations(includeRetried: true).count, 2, "a retry of a missing item stores nothing")
    }

    func testFailedItemsAreFilteredLikeAnnotations() throws {
        let store = try makeStore()
        var sad = sampleFailure()
        sad.emotion = "sad"
        sad.level = .mild
        sad.textOnly = true
        _ = try store.addFailedAnnotation(sampleFailure())
        let sadID = try store.addFailedAnnotation(sad)
        XCTAssertEqual(try store.failedAnnotations(filter: ReviewFilter(status: nil, emotion: "sad")).compactMap(\.id), [sadID])
        XCTAssertEqual(try store.failedAnnotations(filter: ReviewFilter(status: nil, level: 3)).compactMap(\.id), [1])
        XCTAssertEqual(try store.failedAnnotations(filter: ReviewFilter(status: nil, actor: "M003")).count, 0)
        XCTAssertEqual(try store.failedAnnotations(after: 1).compactMap(\.id), [sadID])
        XCTAssertEqual(try store.failedAnnotation(id: sadID)?.textOnly, true)
        XCTAssertThrowsError(try store.failedAnnotations(filter: ReviewFilter(status: nil, hasFindings: true)))
    }

    func testARelativeSourcePathIsStoredAbsolute() throws {
        let store = try makeStore()
        var failure = sampleFailure()
        failure.subject.sourcePath = "portraits/a.png"
        let id = try store.addFailedAnnotation(failure)
        let stored = try XCTUnwrap(try store.failedAnnotation(id: id)?.subject.sourcePath)
        XCTAssertEqual(stored, FileManager.default.currentDirectoryPath + "/portraits/a.png")
    }

    func testFailedItemsFromBeforeV7AreOpenAndNotTextOnly() throws {
        let path = folder.appendingPathComponent("v6.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try StoreSchema.migrator(upTo: "v6-review-overlap").migrate(pool)
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO failed_annotation (source_path, subject_kind, emotion, level, mode, backend, stage_index, stage_title,
                        error, transcript_json, created_at)
                    VALUES ('/data/a.png', 'image', 'sad', 2, 'cot', 'openai-chat', 2, 'II', 'no JSON', '[]', '2026-01-01 00:00:00.000')
                    """)
            }
        }
        let store = try ProjectStore(path: path)
        let items = try store.failedAnnotations()
        XCTAssertEqual(items.count, 1)
        XCTAssertEqual(items.first?.textOnly, false)
        XCTAssertNil(items.first?.retriedAt)
        XCTAssertEqual(try store.stats().failed, 1)
    }
}

/// FailedAnnotationStoreTests on PostgreSQL: each test again on a fresh database of the test cluster. Linux XCTest runs only the
/// tests a class declares itself, so each one is declared here and runs the inherited body.
final class FailedAnnotationStoreOnPostgresTests: FailedAnnotationStoreTests {
    override class var backend: Backend { .postgres }
    override func testFailedItemIsStoredWithItsTranscriptExactly() throws { try super.testFailedItemIsStoredWithItsTranscriptExactly() }
    override func testTheJSONFormIsFixed() throws { try super.testTheJSONFormIsFixed() }
    override func testFailedItemsStayOutOfTheReviewQueue() throws { try super.testFailedItemsStayOutOfTheReviewQueue() }
    override func testUnusableFailureIsRefused() throws { try super.testUnusableFailureIsRefused() }
    override func testARetryThatSucceedsTakesTheItemOffTheOpenFailures() throws { try super.testARetryThatSucceedsTakesTheItemOffTheOpenFailures() }
    override func testARetryThatFailsAgainLeavesOnlyTheNewFailureOpen() throws { try super.testARetryThatFailsAgainLeavesOnlyTheNewFailureOpen() }
    override func testFailedItemsAreFilteredLikeAnnotations() throws { try super.testFailedItemsAreFilteredLikeAnnotations() }
    override func testARelativeSourcePathIsStoredAbsolute() throws { try super.testARelativeSourcePathIsStoredAbsolute() }
}
