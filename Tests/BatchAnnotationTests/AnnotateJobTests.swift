import AnnotationRecord
import BatchAnnotation
import Foundation
import LoopbackChatServer
import Store
import TestSupport
import XCTest

/// One portrait through `AnnotateJob`: what it refuses before any model call, what it stores, and how a failed item
/// is kept.
final class AnnotateJobTests: XCTestCase {
    private var folder: URL!
    private var database: String { folder.appendingPathComponent("data/tbd.sqlite").path }

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-annotate-job") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A real JPEG at `relative` under the test's folder.
    private func portrait(_ relative: String = "portrait.jpg") throws -> String {
        let url = folder.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try TestImages.tinyJPEG.write(to: url)
        return url.path
    }

    private func job(_ settings: AnnotateJob.Settings, environment: [String: String] = [:]) throws -> AnnotateJob {
        try AnnotateJob(settings: settings, databasePath: database, environment: environment)
    }

    func testAnOfflineAnnotationIsStoredPendingWithItsMEADSubject() throws {
        var settings = AnnotateJob.Settings(image: try portrait("M003/video/left_30/happy/level_3/001.jpg"), emotion: "happy")
        settings.level = .intense
        let job = try job(settings)
        XCTAssertEqual(job.warnings, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: database), "nothing is created before there is something to keep")
        guard case .annotated(let id, let annotation) = try job.run() else { return XCTFail("the offline reasoner does not fail") }
        XCTAssertEqual(annotation.backend, "offline-facs-rules")
        let stored = try ProjectStore(path: database).show(id: id)
        XCTAssertEqual(stored.status, .pending)
        XCTAssertEqual(stored.level, .intense)
        XCTAssertEqual(stored.subject.actorID, "M003", "taken from the path")
        XCTAssertEqual(stored.subject.view, "left_30")
    }

    func testAnActorGivenWinsOverThePath() throws {
        var settings = AnnotateJob.Settings(image: try portrait("W011/portrait.jpg"), emotion: "sad")
        settings.actor = "M042"
        guard case .annotated(let id, _) = try job(settings).run() else { return XCTFail("the offline reasoner does not fail") }
        XCTAssertEqual(try ProjectStore(path: database).show(id: id).subject.actorID, "M042")
    }

    func testBadInputIsRefusedBeforeAnyStoreExists() throws {
        let image = try portrait()
        try Data("not a picture".utf8).write(to: folder.appendingPathComponent("notes.jpg"))
        var tooSmall = AnnotateJob.Settings(image: image, emotion: "happy")
        tooSmall.maxPixels = 100
        let cases: [(AnnotateJob.Settings, String)] = [
            (AnnotateJob.Settings(image: image, emotion: "bored"), "unknown emotion 'bored' (known: "),
            (tooSmall, "--max-pixels must be between 784 and 67108864"),
            (AnnotateJob.Settings(image: folder.appendingPathComponent("nope.jpg").path, emotion: "happy"), "cannot read --image"),
            (AnnotateJob.Settings(image: folder.appendingPathComponent("notes.jpg").path, emotion: "happy"), "is not an image or a video with a frame"),
        ]
        for (settings, message) in cases {
            XCTAssertThrowsError(try job(settings)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
        var endpoint = AnnotateJob.Settings(image: image, emotion: "happy")
        endpoint.endpoint = "not a url"
        XCTAssertThrowsError(try job(endpoint)) { XCTAssertTrue("\($0)".contains("is not an http(s) URL"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: database))
    }

    func testARepeatIsRefusedUnlessAskedForAgain() throws {
        var settings = AnnotateJob.Settings(image: try portrait(), emotion: "Happy")
        guard case .annotated(let first, _) = try job(settings).run() else { return XCTFail("the offline reasoner does not fail") }
        XCTAssertThrowsError(try job(settings)) { error in
            guard case .alreadyAnnotated(let summary, let oldest) = error as? AnnotateJobError else { return XCTFail("\(error)") }
            XCTAssertEqual(oldest, first)
            XCTAssertTrue(summary.hasSuffix("is already annotated as happy level 2 (cot): #\(first)"), summary)
        }
        settings.again = true
        let again = try job(settings)
        XCTAssertEqual(again.warnings.count, 1)
        XCTAssertTrue(again.warnings[0].hasSuffix("adding another one (--again)"), again.warnings[0])
        guard case .annotated(let second, _) = try again.run() else { return XCTFail("the offline reasoner does not fail") }
        XCTAssertEqual(second, first + 1)
    }

    func testAFailedItemIsKeptInAFileAndInTheStore() throws {
        let server = try LoopbackChatServer { request, _ in
            StageReplies.stage(of: request) == 2 ? .chat("no JSON here") : .chat(StageReplies.validContent(for: request))
        }
        var settings = AnnotateJob.Settings(image: try portrait(), emotion: "happy")
        settings.endpoint = server.baseURL
        settings.textOnly = true
        guard case .failed(let record) = try job(settings).run() else { return XCTFail("stage II gets no JSON") }
        XCTAssertEqual(record.database, database)
        let file = try XCTUnwrap(record.record)
        XCTAssertEqual(URL(fileURLWithPath: file).deletingLastPathComponent().path, folder.appendingPathComponent("data/cotfa-failed").path)
        let written = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        XCTAssertEqual(written["failed"] as? Bool, true)
        XCTAssertEqual((written["stages"] as? [[String: Any]])?.count, 2)
        XCTAssertNil(written["failed_id"], "the file is written before the store is")
        let stored = try XCTUnwrap(try ProjectStore(path: database).failedAnnotation(id: XCTUnwrap(record.failedID)))
        XCTAssertEqual(stored.recordPath, file)
        XCTAssertEqual(stored.endpoint, server.baseURL)
        XCTAssertEqual(stored.stages[1].rawReply, "no JSON here")
    }
}
