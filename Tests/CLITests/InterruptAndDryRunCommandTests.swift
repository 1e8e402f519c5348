import Foundation
import TestSupport
import XCTest

/// Long commands end an interrupt the same way (exit 130 and a line saying how to go on), and a dry run writes
/// nothing.
final class InterruptAndDryRunCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-interrupt") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../MediaIOTests/Fixtures").standardized

    func testABatchDryRunCreatesNoDatabase() throws {
        let clip = folder.appendingPathComponent("mead/M003/video/front/happy/level_1")
        try FileManager.default.createDirectory(at: clip, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("colours-h264.mp4"), to: clip.appendingPathComponent("001.mp4"))
        let database = folder.appendingPathComponent("project/tbd.sqlite")
        let run = try BuiltProgram.run("tbd", ["batch", "mead", folder.appendingPathComponent("mead").path, "--dry-run", "--db", database.path],
                                       in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("to run: 1"), run.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: database.deletingLastPathComponent().path), "no database, not even its folder")
    }

    func testAnInterruptedRenderExits130AndSaysHowToResume() throws {
        let model = folder.appendingPathComponent("model").path
        XCTAssertEqual(try BuiltProgram.run("tbd", ["model", "init-random", "--config", "tiny", "--out", model], in: folder).status, 0)
        let out = folder.appendingPathComponent("out")
        let render = try BuiltProgram.start("tbd", ["render", "--coarse", "a face", "--fine", "a smiling face", "--model", model,
                                                    "--out", out.path, "--frames", "400", "--steps", "4"], in: folder)
        // Interrupted once the first frame is kept, so the hint has something to resume.
        let deadline = Date(timeIntervalSinceNow: 300)
        while Date() < deadline, !((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).contains(where: { $0.hasSuffix(".windows") }) {
            usleep(50_000)
        }
        render.kill(SIGINT)
        let run = render.finish()
        XCTAssertEqual(run.status, 130, run.stderr)
        XCTAssertTrue(run.stderr.contains("Run the same command again to resume"), run.stderr)
    }

    func testARenderEndsWithASummary() throws {
        let model = folder.appendingPathComponent("model").path
        XCTAssertEqual(try BuiltProgram.run("tbd", ["model", "init-random", "--config", "tiny", "--out", model], in: folder).status, 0)
        let arguments = ["render", "--coarse", "a face", "--fine", "a smiling face", "--model", model, "--out", "out", "--frames", "1", "--steps", "3"]
        let first = try BuiltProgram.run("tbd", arguments, in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("1 rendered, 0 already done (skipped)"), first.stdout)
        let again = try BuiltProgram.run("tbd", arguments, in: folder)
        XCTAssertTrue(again.stdout.contains("0 rendered, 1 already done (skipped)"), again.stdout)
    }

    func testARenderDryRunEstimatesAndWritesNothing() throws {
        let model = folder.appendingPathComponent("model").path
        XCTAssertEqual(try BuiltProgram.run("tbd", ["model", "init-random", "--config", "tiny", "--out", model], in: folder).status, 0)
        let arguments = ["render", "--coarse", "a face", "--fine", "a smiling face", "--model", model, "--out", "out",
                         "--frames", "3", "--steps", "4", "--dry-run"]
        let text = try BuiltProgram.run("tbd", arguments, in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("3 frames in 3 window(s) x 4 steps, about "), text.stdout)
        XCTAssertTrue(text.stdout.contains("nothing was written"), text.stdout)
        let json = try BuiltProgram.run("tbd", arguments + ["--json"], in: folder)
        let estimate = try XCTUnwrap((json.json as? [[String: Any]])?.first, json.stdout)
        XCTAssertEqual(estimate["windows"] as? Int, 3)
        XCTAssertEqual(estimate["already_rendered"] as? Bool, false)
        XCTAssertGreaterThan(try XCTUnwrap(estimate["estimated_seconds"] as? Double), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), "a dry run writes nothing")
    }
}
