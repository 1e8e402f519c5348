import AnnotationRecord
import Foundation
import Store
import TestSupport
import XCTest

/// Failed items are review work of their own: listed (`review list --status failed`), counted (`review stats`) and
/// retried (`review retry ID`) through the annotate path, here with the offline reasoner.
final class ReviewFailedItemCommandTests: XCTestCase {
    private var folder: URL!
    private var database: String { folder.appendingPathComponent("tbd.sqlite").path }
    private var image: String { folder.appendingPathComponent("portrait.jpg").path }

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-failed-items")
        try TestImages.tinyJPEG.write(to: URL(fileURLWithPath: image))
        let store = try ProjectStore(path: database)
        _ = try store.addAnnotation(sampleAnnotation(0))
        _ = try store.addFailedAnnotation(failure(emotion: "happy", contentHash: nil))
        _ = try store.addFailedAnnotation(failure(emotion: "sad", contentHash: "sha256:not-this-file"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func failure(emotion: String, contentHash: String?) -> FailedAnnotation {
        FailedAnnotation(
            subject: AnnotationSubject(sourcePath: image, kind: .image, actorID: "W011", contentHash: contentHash),
            emotion: emotion, level: .intense, mode: .cot, backend: "offline-facs-rules", endpoint: nil, model: nil,
            stageIndex: 2, stageTitle: "II action units", error: "stage II action units failed: \u{1B}[31mno JSON\u{1B}[0m",
            stages: [StageRecord(index: 1, title: "I", text: "ok", rawReply: String(repeating: "long reply ", count: 1000))])
    }

    private func tbd(_ arguments: [String]) throws -> ProgramRun {
        try BuiltProgram.run("tbd", arguments + ["--db", database], in: folder)
    }

    func testFailedItemsAreListedApartFromAnnotations() throws {
        let list = try tbd(["review", "list", "--status", "failed"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let rows = list.stdout.split(separator: "\n").map(String.init)
        guard rows.count == 3 else { return XCTFail("two items and the retry hint: \(list.stdout)\(list.stderr)") }
        XCTAssertTrue(rows[0].hasPrefix("failed item 1: happy L3 W011 - \(image)  stage 2 II action units: "), rows[0])
        XCTAssertTrue(rows[0].contains("␛[31mno JSON"), "the stored error is shown inert: \(rows[0])")
        XCTAssertEqual(rows[2], "retry the first: `tbd review retry 1 --db \(database)`")
        let json = try tbd(["review", "list", "--status", "failed", "--emotion", "sad", "--json"])
        let items = try XCTUnwrap(json.json as? [[String: Any]])
        XCTAssertEqual(items.map { $0["id"] as? Int }, [2])
        XCTAssertEqual(items.first?["stage_index"] as? Int, 2)
        XCTAssertEqual(items.first?["text_only"] as? Bool, false)
        XCTAssertNil(items.first?["stages"], "the transcript stays out of the list")
        let annotations = try tbd(["review", "list", "--json"])
        XCTAssertEqual((annotations.json as? [Any])?.count, 1, "--status any lists annotations only")
        let refused = try tbd(["review", "list", "--status", "failed", "--findings", "yes"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertNotEqual(try tbd(["export", "--status", "failed"]).status, 0, "failed items are not exported")
    }

    func testStatsCountTheFailedItems() throws {
        let json = try tbd(["review", "stats", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(json.jsonObject?["failed"] as? Int, 2)
        XCTAssertEqual(json.jsonObject?["total"] as? Int, 1, "failed items are not annotations")
        let text = try tbd(["review", "stats"])
        XCTAssertTrue(text.stdout.contains("2 failed items wait for a retry: `tbd review list --status failed --db \(database)`"), text.stdout)
    }

    func testARetryAnnotatesFromTheStoredInputsAndTheItemLeavesTheList() throws {
        let retry = try tbd(["review", "retry", "1", "--json"])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        let id = try XCTUnwrap(retry.jsonObject?["id"] as? Int)
        let annotation = try XCTUnwrap(retry.jsonObject?["annotation"] as? [String: Any])
        XCTAssertEqual(annotation["emotion"] as? String, "happy")
        XCTAssertEqual(annotation["level"] as? Int, 3)
        let store = try ProjectStore(path: database)
        XCTAssertEqual(try store.show(id: Int64(id)).status, .pending, "the retry's annotation is review work")
        XCTAssertEqual(try store.show(id: Int64(id)).subject.sourcePath, image)
        XCTAssertEqual(try store.failedAnnotation(id: 1)?.retriedAnnotationID, Int64(id))
        XCTAssertEqual(try store.failedAnnotations().compactMap(\.id), [2])
        XCTAssertEqual(try tbd(["review", "stats", "--json"]).jsonObject?["failed"] as? Int, 1)

        let again = try tbd(["review", "retry", "1"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("failed item 1 was retried already; it gave annotation #\(id)"), again.stderr)
        let missing = try tbd(["review", "retry", "9"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no failed item 9"), missing.stderr)
    }

    func testARetryRefusesAFileThatChangedSinceItFailed() throws {
        let retry = try tbd(["review", "retry", "2"])
        XCTAssertEqual(retry.status, 1)
        XCTAssertTrue(retry.stderr.contains("\(image) changed since the item failed"), retry.stderr)
        XCTAssertEqual(try ProjectStore(path: database).statusCounts().pending, 1, "nothing was annotated")
    }
}
