import Foundation
import MediaIO
import TestSupport
import XCTest

/// `tbd batch` through the built binary: an empty dataset is an error, and the plan names the mode the run stores.
final class BatchCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-batch-command") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments, in: folder) }

    func testAFolderWithNoClipIsAnError() throws {
        let notMEAD = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: notMEAD, withIntermediateDirectories: true)
        try Data("# notes".utf8).write(to: notMEAD.appendingPathComponent("README.md"))
        let database = folder.appendingPathComponent("tbd.sqlite").path
        for extra in [[], ["--dry-run"]] {
            let run = try tbd(["batch", "mead", notMEAD.path, "--db", database] + extra)
            XCTAssertNotEqual(run.status, 0, "\(extra): \(run.stdout)")
            XCTAssertTrue(run.stderr.contains("no clip found (1 files skipped)"), run.stderr)
        }
    }

    /// The offline reasoner stores `cot` annotations: the dry run says `cot`, with no model call planned.
    func testDryRunJSONReportsTheModeTheRunStores() throws {
        let manifest = folder.appendingPathComponent("items.csv")
        try Data("path,emotion,level\nface.png,happy,2\n".utf8).write(to: manifest)
        let database = folder.appendingPathComponent("tbd.sqlite").path
        let run = try tbd(["batch", "manifest", manifest.path, "--views", "all", "--db", database, "--dry-run", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.jsonObject?["mode"] as? String, "cot", run.stdout)
        XCTAssertEqual(run.jsonObject?["asks_model"] as? Bool, false)
        XCTAssertEqual(run.jsonObject?["model_calls_total"] as? Int, 0)
        let label = try tbd(["batch", "manifest", manifest.path, "--views", "all", "--db", database, "--dry-run", "--json", "--mode", "label"])
        XCTAssertEqual(label.jsonObject?["mode"] as? String, "label", label.stdout)
    }

    /// Without the face detector's weights a run refuses to start and says how to get them; `--no-face-check` runs
    /// without them, as for data with no faces.
    func testMissingFaceWeightsStopTheRunUnlessTheCheckIsOff() throws {
        let picture = folder.appendingPathComponent("grey.png")
        try ImageEncoding.png(RGBImage(width: 16, height: 16, filledWith: (128, 128, 128))).write(to: picture)
        let manifest = folder.appendingPathComponent("items.csv")
        try Data("path,emotion,level\ngrey.png,happy,2\n".utf8).write(to: manifest)
        let database = folder.appendingPathComponent("tbd.sqlite").path
        let arguments = ["batch", "manifest", manifest.path, "--views", "all", "--mode", "label", "--db", database]
        let absent = ["TBD_FACE_WEIGHTS": folder.appendingPathComponent("no-weights").path]
        let refused = try BuiltProgram.run("tbd", arguments, in: folder, environment: absent)
        XCTAssertEqual(refused.status, 1, refused.stdout)
        XCTAssertTrue(refused.stderr.contains("the face check cannot start"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("fetch-face-weights.py"), refused.stderr)
        XCTAssertFalse(refused.stdout.contains("units:"), "no unit ran: \(refused.stdout)")
        let unchecked = try BuiltProgram.run("tbd", arguments + ["--no-face-check"], in: folder, environment: absent)
        XCTAssertEqual(unchecked.status, 0, unchecked.stderr)
        XCTAssertTrue(unchecked.stdout.contains("clips linked: 1"), unchecked.stdout)
    }
}
