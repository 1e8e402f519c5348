import AnnotationRecord
import Foundation
import LoopbackChatServer
import Store
import TestSupport
import XCTest

/// Runs the built `tbd annotate` as a user would: offline by default, against the loopback server when told.
final class AnnotateCommandTests: XCTestCase {
    private var folder: URL!
    private var image: String { folder.appendingPathComponent("portrait.jpg").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-annotate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A real 8x8 JPEG: `tbd annotate` decodes its input before any model call and refuses what is not a picture.
        try TestImages.tinyJPEG.write(to: URL(fileURLWithPath: image))
    }



    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// `tbd annotate` in the test's folder; no `TBD_*` variable of the caller's environment reaches it.
    func tbd(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProgramRun {
        try BuiltProgram.run("tbd", ["annotate"] + arguments, in: folder, environment: extra)
    }

    func testOfflineByDefaultWithJSON() throws {
        let run = try tbd(["--image", image, "--emotion", "happy", "--level", "3", "--subject", "a man in his fifties", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let annotation = try XCTUnwrap(run.jsonObject?["annotation"] as? [String: Any])
        XCTAssertEqual(annotation["backend"] as? String, "offline-facs-rules")
        XCTAssertEqual(annotation["aus"] as? [String], ["6D", "12D"])
        XCTAssertEqual((annotation["stages"] as? [[String: Any]])?.count, 4)
        let hash = try XCTUnwrap((annotation["subject"] as? [String: Any])?["content_hash"] as? String)
        XCTAssertTrue(hash.hasPrefix("sha256:") && hash.count == 71, hash)
        XCTAssertTrue((annotation["coarse_prompt"] as? String)?.hasPrefix("a man in his fifties, intense happy expression") ?? false)
        XCTAssertEqual((annotation["provenance"] as? [String: Any])?["token_counter"] as? String, "clip-bpe", "the renderer's exact tokenizer")
    }

    func testStoresThePendingAnnotationWithProvenance() throws {
        let database = folder.appendingPathComponent("review.sqlite").path
        let run = try tbd(["--image", image, "--emotion", "sad", "--level", "1", "--subject", "a woman", "--db", database, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let id = try XCTUnwrap(run.jsonObject?["id"] as? Int)
        let stored = try ProjectStore(path: database).show(id: Int64(id))
        XCTAssertEqual(stored.status, .pending)
        XCTAssertEqual(stored.emotion, "sad")
        XCTAssertEqual(stored.level, .mild)
        XCTAssertEqual(stored.mode, .cot)
        XCTAssertEqual(stored.backend, "offline-facs-rules")
        XCTAssertEqual(stored.stages.map(\.index), [1, 2, 3, 4])
        XCTAssertEqual(stored.current.aus, ["1B", "4B", "15B"])
        let annotation = try XCTUnwrap(run.jsonObject?["annotation"] as? [String: Any])
        XCTAssertEqual(stored.current.finePrompt, annotation["fine_prompt"] as? String)
        XCTAssertEqual(stored.subject.contentHash, (annotation["subject"] as? [String: Any])?["content_hash"] as? String)
        let provenance = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stored.provenanceJSON.utf8)) as? [String: Any])
        XCTAssertEqual(provenance["offline"] as? Bool, true)
        XCTAssertEqual(provenance["template_version"] as? String, stored.templateVersion)

        // TBD_DB is the default when --db is not given; the second annotation lands in the same store.
        let second = try tbd(["--image", image, "--emotion", "happy"], environment: ["TBD_DB": database])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("stored as annotation \(id + 1) in \(database), pending review"), second.stdout)
    }

    func testTextOutputShowsStagesPromptsAndReport() throws {
        let run = try tbd(["--image", image, "--emotion", "fear"])
        XCTAssertEqual(run.status, 0, run.stderr)
        for expected in ["Stage I facial information", "Stage II action units", "Stage III muscles", "Stage IV prompt design",
                         "coarse prompt:", "fine prompt:", "AUs: 1C 2C 4C 5C 20C 26C", "grounding report"] {
            XCTAssertTrue(run.stdout.contains(expected), "missing \(expected) in\n\(run.stdout)")
        }
    }

    func testBadInputGivesClearErrors() throws {
        let unknown = try tbd(["--image", image, "--emotion", "bored"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown emotion 'bored'"), unknown.stderr)
        let missing = try tbd(["--image", folder.appendingPathComponent("nope.jpg").path, "--emotion", "happy"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("cannot read --image"), missing.stderr)
        let level = try tbd(["--image", image, "--emotion", "happy", "--level", "4"])
        XCTAssertTrue(level.stderr.contains("'4' is invalid for '--level") && level.stderr.contains("'1', '2' or '3'"), level.stderr)
        let endpoint = try tbd(["--image", image, "--emotion", "happy", "--endpoint", "not a url"])
        XCTAssertTrue(endpoint.stderr.contains("is not an http(s) URL"), endpoint.stderr)
    }

    func testAgainstTheLoopbackServerTextOnly() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        let secret = "sk-loopback-secret-42"
        let run = try tbd(
            ["--image", image, "--emotion", "happy", "--text-only", "--subject", "a woman", "--json"],
            environment: ["TBD_VLM_URL": server.baseURL, "TBD_VLM_API_KEY": secret])
        XCTAssertEqual(run.status, 0, run.stderr)
        let annotation = try XCTUnwrap(run.jsonObject?["annotation"] as? [String: Any])
        XCTAssertEqual(annotation["backend"] as? String, "openai-chat")
        XCTAssertEqual(annotation["model_id"] as? String, "loopback-model")
        XCTAssertEqual(annotation["aus"] as? [String], ["6C", "12C"])
        XCTAssertEqual(server.chatRequests.count, 4)
        // One progress line per answered stage on stderr, so a slow model does not look like a hang.
        let progress = run.stderr.split(separator: "\n").filter { $0.hasPrefix("stage ") }
        XCTAssertEqual(progress.map { String($0.prefix(9)) }, ["stage 1 (", "stage 2 (", "stage 3 (", "stage 4 ("], run.stderr)
        XCTAssertTrue(progress.allSatisfy { $0.contains(" s") }, run.stderr)
        XCTAssertEqual(server.chatRequests[0].headers["authorization"], "Bearer \(secret)")
        XCTAssertFalse(run.stdout.contains(secret))
        XCTAssertFalse(run.stderr.contains(secret))
        // Nothing in the store holds the key either.
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("data").path) where file.hasPrefix("tbd.sqlite") {
            let bytes = try Data(contentsOf: folder.appendingPathComponent("data/" + file))
            XCTAssertNil(bytes.range(of: Data(secret.utf8)), "\(file) holds the API key")
        }
        let id = try XCTUnwrap(run.jsonObject?["id"] as? Int)
        let stored = try ProjectStore(path: folder.appendingPathComponent("data/tbd.sqlite").path).show(id: Int64(id))
        XCTAssertEqual(stored.endpoint, server.baseURL)
        XCTAssertEqual(stored.modelID, "loopback-model")
        XCTAssertTrue(stored.stages[1].request?.contains("Stage II - action units") ?? false)
        XCTAssertEqual(stored.stages[1].rawReply, StageReplies.actionUnits)
    }

    func testSendsTheRealPortraitScaledToThePixelBudget() throws {
        let astronaut = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../data/astronaut.png").standardized.path
        guard FileManager.default.fileExists(atPath: astronaut) else { throw XCTSkip("data/astronaut.png is not in this checkout") }
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        let run = try tbd(["--image", astronaut, "--emotion", "happy", "--endpoint", server.baseURL, "--max-pixels", "40000", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let url = try XCTUnwrap(server.chatRequests.first?.imageURLs(inMessage: -1).first)
        XCTAssertTrue(url.hasPrefix("data:image/jpeg;base64,"))
        let jpeg = try XCTUnwrap(Data(base64Encoded: String(url.dropFirst("data:image/jpeg;base64,".count))))
        XCTAssertEqual(Array(jpeg.prefix(2)), [0xFF, 0xD8], "a JPEG")
        let annotation = try XCTUnwrap(run.jsonObject?["annotation"] as? [String: Any])
        let provenance = try XCTUnwrap((annotation["provenance"] as? [String: Any]))
        XCTAssertEqual(provenance["image"] as? String, "200x200 jpeg, \(jpeg.count) bytes", "512x512 scaled into 40000 pixels")
        let stageOne = try XCTUnwrap((annotation["stages"] as? [[String: Any]])?.first?["request"] as? String)
        XCTAssertFalse(stageOne.contains(String(url.suffix(200))), "the stored request elides the image bytes")
        XCTAssertTrue((annotation["subject"] as? [String: Any])?["content_hash"] as? String == "sha256:88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5")
    }

    func testFailedItemExitsOneAndKeepsRawReplies() throws {
        let server = try LoopbackChatServer { request, _ in
            StageReplies.stage(of: request) == 2 ? .chat("no JSON, just \u{1B}[31mred\u{1B}[0m prose") : .chat(StageReplies.validContent(for: request))
        }
        let run = try tbd(["--image", image, "--emotion", "happy", "--text-only", "--endpoint", server.baseURL])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("stage II action units failed"), run.stderr)
        XCTAssertTrue(run.stderr.contains("no JSON, just red prose"), run.stderr)
        XCTAssertFalse(run.stderr.contains("\u{1B}"), "escape sequences are stripped before the terminal")
        // The whole failure is kept beside the database (default data/tbd.sqlite in the working folder).
        let kept = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("data/cotfa-failed").path)
        XCTAssertEqual(kept.count, 1)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("data/cotfa-failed/" + kept[0]))) as? [String: Any]
        let stages = try XCTUnwrap(record?["stages"] as? [[String: Any]])
        XCTAssertEqual(stages.count, 2)
        XCTAssertEqual(stages[1]["raw_reply"] as? String, "no JSON, just \u{1B}[31mred\u{1B}[0m prose", "stored exactly as received")
    }
}
