import AnnotationRecord
import Foundation
import LoopbackChatServer
import Store
import TestSupport
import XCTest

/// `tbd review retry`: a failed item annotated again from what the store kept (file, emotion, level, mode, endpoint,
/// model, text-only) through the annotate path; each failure names the command that retries it.
final class ReviewRetryCommandTests: XCTestCase {
    private var folder: URL!
    private var image: String { folder.appendingPathComponent("portrait.jpg").path }
    private var database: String { folder.appendingPathComponent("data/tbd.sqlite").path }

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-review-retry")
        try TestImages.tinyJPEG.write(to: URL(fileURLWithPath: image))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testAFailedItemIsRetriedUntilItIsAnAnnotation() throws {
        let server = try LoopbackChatServer { request, _ in
            StageReplies.stage(of: request) == 2 ? .chat("no JSON here") : .chat(StageReplies.validContent(for: request))
        }
        let annotate = try BuiltProgram.run(
            "tbd", ["annotate", "--image", image, "--emotion", "happy", "--level", "3", "--text-only", "--endpoint", server.baseURL, "--db", database],
            in: folder)
        XCTAssertEqual(annotate.status, 1, annotate.stderr)
        XCTAssertTrue(annotate.stderr.contains("stored as failed item 1 in \(database); retry it: `tbd review retry 1 --db \(database)`"), annotate.stderr)

        // The server still fails: the retry is a new failed item, and the old one leaves the list.
        let asked = server.chatRequests.count
        let failedAgain = try BuiltProgram.run("tbd", ["review", "retry", "1", "--db", database], in: folder)
        XCTAssertEqual(failedAgain.status, 1, failedAgain.stderr)
        XCTAssertGreaterThan(server.chatRequests.count, asked, "the retry asked the stored endpoint")
        XCTAssertFalse(
            server.chatRequests.dropFirst(asked).contains { String(decoding: $0.body, as: UTF8.self).contains("image_url") },
            "text-only as the first run was")
        let hint = try XCTUnwrap(failedAgain.stderr.components(separatedBy: "retry it: `").dropFirst().first?.components(separatedBy: "`").first)
        XCTAssertEqual(hint, "tbd review retry 2 --db \(database)")
        let store = try ProjectStore(path: database)
        XCTAssertEqual(try store.failedAnnotation(id: 1)?.retriedFailedID, 2)
        XCTAssertEqual(try store.failedAnnotations().compactMap(\.id), [2])
        XCTAssertEqual(try store.failedAnnotation(id: 2)?.textOnly, true)

        // Once the server answers, the printed command turns the item into a pending annotation.
        server.respond(StageReplies.responder)
        let binary = try BuiltProgram.url("tbd").path
        let retried = try BuiltProgram.run(executable: URL(fileURLWithPath: "/bin/sh"), ["-c", "'\(binary)'" + hint.dropFirst(3)], in: folder)
        XCTAssertEqual(retried.status, 0, retried.stderr)
        XCTAssertTrue(retried.stdout.contains("stored as annotation 1 in \(database), pending review; failed item 2 is retried"), retried.stdout)
        XCTAssertEqual(try store.failedAnnotationCount(), 0)
        XCTAssertEqual(try store.failedAnnotation(id: 2)?.retriedAnnotationID, 1)
        let detail = try store.show(id: 1)
        XCTAssertEqual(detail.status, .pending)
        XCTAssertEqual([detail.emotion, detail.subject.sourcePath], ["happy", image])
        XCTAssertEqual(detail.level, .intense)
        XCTAssertEqual(detail.modelID, "loopback-model")
    }
}
