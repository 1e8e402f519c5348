import AnnotationRecord
import CoTFA
import Foundation
import LoopbackChatServer
import Store
import TestSupport
import XCTest

/// `tbd annotate` when an item fails: the failure is a stored item with its transcript (not only a file), the key
/// reaches neither the terminal nor anything written, and bad numbers or keys are refused before any request.
final class AnnotateFailureTests: XCTestCase {
    private var folder: URL!
    private var image: String { folder.appendingPathComponent("portrait.jpg").path }
    private var database: String { folder.appendingPathComponent("data/tbd.sqlite").path }

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-annotate-failure")
        try TestImages.tinyJPEG.write(to: URL(fileURLWithPath: image))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func tbd(_ arguments: [String], environment: [String: String] = [:]) throws -> ProgramRun {
        try BuiltProgram.run("tbd", ["annotate"] + arguments, in: folder, environment: environment)
    }

    func testFailedItemIsStoredWithItsTranscript() throws {
        let server = try LoopbackChatServer { request, _ in
            StageReplies.stage(of: request) == 2 ? .chat("no JSON here") : .chat(StageReplies.validContent(for: request))
        }
        let run = try tbd(["--image", image, "--emotion", "happy", "--level", "3", "--text-only", "--endpoint", server.baseURL, "--json"])
        XCTAssertEqual(run.status, 1, run.stderr)
        let output = try XCTUnwrap(run.jsonObject)
        XCTAssertEqual(output["failed"] as? Bool, true)
        let id = try XCTUnwrap(output["failed_id"] as? Int)
        let store = try ProjectStore(path: database)
        let stored = try XCTUnwrap(try store.failedAnnotation(id: Int64(id)))
        XCTAssertEqual(stored.stageIndex, 2)
        XCTAssertEqual(stored.emotion, "happy")
        XCTAssertEqual(stored.level, .intense)
        XCTAssertEqual(stored.model, "loopback-model")
        XCTAssertEqual(stored.endpoint, server.baseURL)
        XCTAssertEqual(stored.stages.map(\.index), [1, 2])
        XCTAssertEqual(stored.stages[1].rawReply, "no JSON here")
        XCTAssertEqual(stored.stages[1].rejectedReply, "no JSON here", "both replies of the repaired stage are kept")
        XCTAssertEqual(stored.recordPath, output["record"] as? String)
        XCTAssertEqual(try store.statusCounts().pending, 0, "a failure is not review work")
    }

    /// A 2 MB stage IV reply was read and then echoed whole to stderr, both times it came. Now it is refused by its
    /// size, the message names the stage and the size, and stderr shows the start of each reply and how much more.
    func testAHostileReplyIsRefusedByItsSizeAndShownOnlyInPart() throws {
        let huge = String(repeating: "a hostile reply ", count: 125_000)
        let server = try LoopbackChatServer(responder: StageReplies.fault(atStage: 4, .chat(huge), times: 2))
        let run = try tbd(["--image", image, "--emotion", "happy", "--text-only", "--endpoint", server.baseURL])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("Error: stage IV prompt design failed"), run.stderr)
        XCTAssertTrue(run.stderr.contains("the reply is 2000000 bytes long, over the \(ReplyJSONExtractor.maxReplyBytes) bytes a stage reads"), run.stderr)
        XCTAssertLessThan(run.stderr.utf8.count, 4 * AnnotationFailure.shownReplyBytes + 4_000, "two replies of 2 MB, shown in part")

        // The store keeps each reply up to the limit, and stderr shows the start of what the store keeps.
        let kept = ReplyJSONExtractor.maxReplyBytes
        let stored = try XCTUnwrap(try ProjectStore(path: database).failedAnnotation(id: 1))
        XCTAssertEqual(stored.stageIndex, 4)
        let reply = try XCTUnwrap(stored.stages.last?.rawReply)
        XCTAssertEqual(reply, String(huge.prefix(kept)) + "… (\(2_000_000 - kept) bytes more)")
        XCTAssertEqual(stored.stages.last?.rejectedReply, reply)
        let shown = String(huge.prefix(AnnotationFailure.shownReplyBytes)) + "… (\(reply.utf8.count - AnnotationFailure.shownReplyBytes) bytes more)"
        XCTAssertTrue(run.stderr.contains("first reply:\n\(shown)\nreply:\n\(shown)"), run.stderr)
    }

    func testTheKeyReachesNothingWhenTheServerEchoesIt() throws {
        let secret = "sk-echoed-0123456789-secret"
        let server = try LoopbackChatServer { request, _ in
            let header = request.headers["authorization"] ?? ""
            return StageReplies.stage(of: request) == 1
                ? .chat("I saw \(header) and nothing else") : .status(400, body: "bad header \(header)")
        }
        let run = try tbd(
            ["--image", image, "--emotion", "happy", "--text-only", "--response-format", "none"],
            environment: ["TBD_VLM_URL": server.baseURL, "TBD_VLM_API_KEY": secret])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(server.chatRequests.first?.headers["authorization"], "Bearer \(secret)")
        XCTAssertTrue(run.stderr.contains("[redacted API key]"), run.stderr)
        XCTAssertFalse(run.stderr.contains(secret), run.stderr)
        XCTAssertFalse(run.stdout.contains(secret), run.stdout)
        let data = folder.appendingPathComponent("data")
        let written = try FileManager.default.subpathsOfDirectory(atPath: data.path)
        XCTAssertTrue(written.contains { $0.hasPrefix("cotfa-failed/") }, "\(written)")
        for file in written {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: data.appendingPathComponent(file).path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            let bytes = try Data(contentsOf: data.appendingPathComponent(file))
            XCTAssertNil(bytes.range(of: Data(secret.utf8)), "\(file) holds the API key")
        }
        XCTAssertEqual(try ProjectStore(path: database).failedAnnotationCount(), 1)
    }

    func testAKeyWithALineBreakIsRefusedBeforeAnyRequest() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        let run = try tbd(
            ["--image", image, "--emotion", "happy", "--text-only"],
            environment: ["TBD_VLM_URL": server.baseURL, "TBD_VLM_API_KEY": "sk-abc\r\nX-Injected: yes"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("line break"), run.stderr)
        XCTAssertFalse(run.stderr.contains("X-Injected"), run.stderr)
        XCTAssertEqual(server.requests.count, 0)
    }

    func testNumbersOutOfRangeAreRefusedBeforeAnyRequest() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        for (flag, value) in [("--timeout", "inf"), ("--timeout", "1e300"), ("--temperature", "nan"), ("--max-tokens", "0"), ("--max-pixels", "9223372036854775807")] {
            let run = try tbd(["--image", image, "--emotion", "happy", "--text-only", "--endpoint", server.baseURL, flag, value])
            XCTAssertNotEqual(run.status, 0, "\(flag) \(value)")
            XCTAssertTrue(run.stderr.contains("must be"), "\(flag) \(value): \(run.stderr)")
        }
        XCTAssertEqual(server.requests.count, 0)
    }
}
