import AnnotationRecord
import Foundation
import MediaIO
import Store
import TestSupport
import XCTest

/// `tbd model init-random`, `tbd render` (the job runner) and `tbd render schedule` through the built binary.
final class RenderCommandTests: XCTestCase {
    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments) }

    func testRandomCheckpointRenderAndResume() throws {
        let root = try makeTemporaryFolder("tbd-cli-render")
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

        // The same pair with other settings is a clip of its own: it neither replaces nor skips the first one.
        let other = try tbd(render.map { $0 == "3" ? "2" : $0 })
        XCTAssertEqual(other.status, 0, other.stderr)
        let otherClips = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(other.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(otherClips.first?["status"] as? String, "rendered")
        let videos = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("out").path).filter { $0.hasSuffix(".mp4") }
        XCTAssertEqual(videos.count, 2, "\(videos)")
        XCTAssertTrue(videos.allSatisfy { $0.hasPrefix("a0-r1-") }, "\(videos)")
        let firstVideo = try XCTUnwrap((clips.first?["result"] as? [String: Any])?["video_path"] as? String)
        XCTAssertTrue(FileManager.default.fileExists(atPath: firstVideo), "the first clip is still there")

        // The manifest beside each clip has the same snake_case keys as every --json.
        let manifest = URL(fileURLWithPath: firstVideo).deletingPathExtension().appendingPathExtension("json")
        let written = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: manifest)) as? [String: Any])
        let parameters = try XCTUnwrap(written["parameters"] as? [String: Any])
        XCTAssertEqual(parameters["steps"] as? Int, 3)
        for key in Array(written.keys) + Array(parameters.keys) + Array((written["result"] as? [String: Any] ?? [:]).keys) {
            XCTAssertEqual(key, key.lowercased(), "manifest key \(key) is not snake_case")
        }
        XCTAssertNotNil(parameters["alpha_max"])
    }

    /// `render schedule --json` for 10 steps split at 0.4: the coarse stage is steps 0-3 (B_1 = ceil(0.4 * 10) = 4),
    /// the fine stage steps 4-9. `smooth` hands the weight over by equal steps inside the coarse stage, `hard` switches.
    func testScheduleGivesEachStepsWeightsForSmoothAndHard() throws {
        let expected: [String: [Double]] = [
            "smooth": [1, 0.75, 0.5, 0.25, 0, 0, 0, 0, 0, 0],
            "hard": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
        ]
        for (mode, coarse) in expected {
            let run = try tbd(["render", "schedule", "--steps", "10", "--split", "0.4", "--blend", mode, "--json"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let steps = try XCTUnwrap(run.jsonObject?["steps"] as? [[String: Any]], run.stdout)
            XCTAssertEqual(steps.count, 10, mode)
            XCTAssertEqual(steps.compactMap { $0["step"] as? Int }, Array(0..<10), mode)
            let weights = try steps.map { try XCTUnwrap($0["weights"] as? [Double], "\(mode): \($0)") }
            XCTAssertEqual(weights.map(\.count), Array(repeating: 2, count: 10), "\(mode): one weight per stage")
            XCTAssertEqual(weights.map { $0[0] }, coarse, "\(mode): the coarse prompt's weight at each step")
            for (step, row) in weights.enumerated() {
                XCTAssertEqual(row[0] + row[1], 1, accuracy: 1e-12, "\(mode) step \(step): \(row) does not sum to 1")
            }
            // Denoising runs from the noisiest timestep down.
            let timesteps = steps.compactMap { $0["timestep"] as? Int }
            XCTAssertEqual(timesteps.count, 10)
            XCTAssertEqual(timesteps, timesteps.sorted(by: >), "\(mode): timesteps count down")
        }
        let unknown = try tbd(["render", "schedule", "--steps", "10", "--blend", "wavy"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("'wavy' is invalid for '--blend"), unknown.stderr)
    }

    /// `render schedule --mode` and `render --blend` were two names for one setting; `--blend` is the name now,
    /// and `--mode` is still read so old scripts give the same weights.
    func testScheduleTakesBlendAndStillReadsTheFormerModeName() throws {
        let blend = try tbd(["render", "schedule", "--steps", "10", "--split", "0.4", "--blend", "hard", "--json"])
        XCTAssertEqual(blend.status, 0, blend.stderr)
        let former = try tbd(["render", "schedule", "--steps", "10", "--split", "0.4", "--mode", "hard", "--json"])
        XCTAssertEqual(former.status, 0, former.stderr)
        XCTAssertEqual(blend.stdout, former.stdout)
        let weights = (blend.jsonObject?["steps"] as? [[String: Any]])?.compactMap { ($0["weights"] as? [Double])?.first }
        XCTAssertEqual(weights, [1, 1, 1, 1, 0, 0, 0, 0, 0, 0], "hard switches after the coarse stage")
        let help = try tbd(["render", "schedule", "--help"])
        XCTAssertTrue(help.stdout.contains("--blend"), help.stdout)
        XCTAssertFalse(help.stdout.contains("--mode"), "the former name is hidden: \(help.stdout)")
        let both = try tbd(["render", "schedule", "--steps", "10", "--blend", "hard", "--mode", "smooth"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("former name of --blend"), both.stderr)
    }

    /// The queue path end to end: an annotation approved in the store becomes an MP4 whose render is recorded,
    /// and a second run skips it.
    func testApprovedPairsFromTheStoreAreRenderedRecordedAndSkippedOnResume() throws {
        let root = try makeTemporaryFolder("tbd-cli-queue")
        defer { try? FileManager.default.removeItem(at: root) }
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
        let outputs = try XCTUnwrap(records.first?.outputs)
        let video = outputs.video
        XCTAssertTrue(outputs.firstFrame.hasSuffix(".png") && outputs.contactSheet.hasSuffix("-sheet.png"), "first frame and contact sheet are recorded too")
        XCTAssertTrue(FileManager.default.fileExists(atPath: outputs.manifest))
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
