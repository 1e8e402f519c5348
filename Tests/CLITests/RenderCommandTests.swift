import AnnotationRecord
import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// `tbd model init-random`, `tbd render` (the job runner) and `tbd render schedule` through the built binary.
final class RenderCommandTests: XCTestCase {
    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    func testRandomCheckpointRenderResumeAndSchedule() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-cli-render-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("model").path
        let made = try tbd(["model", "init-random", "--config", "tiny", "--out", model, "--json"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let again = try tbd(["model", "init-random", "--config", "tiny", "--out", model])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already holds a model"), again.stderr)

        let render = ["render", "--coarse", "a face", "--fine", "a smiling face", "--model", model,
                      "--out", root.appendingPathComponent("out").path, "--frames", "2", "--steps", "3", "--json"]
        let first = try tbd(render)
        XCTAssertEqual(first.status, 0, first.stderr)
        let clips = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(clips.first?["status"] as? String, "rendered")
        XCTAssertEqual((clips.first?["result"] as? [String: Any])?["frames"] as? Int, 2)
        let second = try tbd(render)
        let skipped = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(skipped.first?["status"] as? String, "skipped")

        let schedule = try tbd(["render", "schedule", "--steps", "4", "--json"])
        XCTAssertEqual(schedule.status, 0, schedule.stderr)
        XCTAssertTrue(schedule.stdout.contains("\"weights\""))
    }

    /// The queue path end to end: an annotation approved in the store becomes an MP4 whose render is recorded,
    /// and a second run skips it.
    func testApprovedPairsFromTheStoreAreRenderedRecordedAndSkippedOnResume() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-cli-queue-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let database = root.appendingPathComponent("tbd.sqlite").path
        let portrait = root.appendingPathComponent("face.png").path
        try ImageEncoding.png(RGBImage(width: 32, height: 32, filledWith: (180, 140, 120))).write(to: URL(fileURLWithPath: portrait))
        let annotated = try tbd(["annotate", "--image", portrait, "--emotion", "happy", "--db", database, "--json"])
        XCTAssertEqual(annotated.status, 0, annotated.stderr)
        XCTAssertEqual(try tbd(["review", "approve", "1", "--curator", "tester", "--db", database]).status, 0)
        let model = root.appendingPathComponent("model").path
        XCTAssertEqual(try tbd(["model", "init-random", "--config", "tiny", "--out", model]).status, 0)

        let render = ["render", "--approved", "--db", database, "--model", model, "--out", root.appendingPathComponent("out").path,
                      "--frames", "3", "--steps", "2", "--json"]
        let first = try tbd(render)
        XCTAssertEqual(first.status, 0, first.stderr)
        let records = try ProjectStore(path: database).renders(annotationID: 1)
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?.status, .done)
        XCTAssertEqual(records.first?.revision, 1)
        let outputs = try XCTUnwrap(records.first?.outputsJSON)
        let files = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(outputs.utf8)) as? [String])
        let video = try XCTUnwrap(files.first { $0.hasSuffix(".mp4") })
        XCTAssertTrue(files.contains { $0.hasSuffix(".png") }, "first frame and contact sheet are recorded too")
        XCTAssertEqual(try MediaProbe.probe(path: video, countFrames: true).frameCount, 3)

        let second = try tbd(render)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("skipped"), second.stdout)
        XCTAssertEqual(try ProjectStore(path: database).renders(annotationID: 1).count, 1, "a finished render is not redone")
    }

    func testBadRenderOptionsAreClearErrors() throws {
        let blend = try tbd(["render", "--coarse", "a", "--fine", "b", "--model", "/nonexistent", "--out", "/tmp/x", "--blend", "wavy"])
        XCTAssertNotEqual(blend.status, 0)
        XCTAssertTrue(blend.stderr.contains("--blend"), blend.stderr)
        let noSource = try tbd(["render", "--model", "/nonexistent", "--out", "/tmp/x"])
        XCTAssertNotEqual(noSource.status, 0)
        XCTAssertTrue(noSource.stderr.contains("give one source"), noSource.stderr)
        let noModel = try tbd(["render", "--coarse", "a", "--fine", "b", "--model", "/nonexistent", "--out", "/tmp/x"])
        XCTAssertNotEqual(noModel.status, 0)
        XCTAssertTrue(noModel.stderr.contains("cannot load the model"), noModel.stderr)
    }
}
