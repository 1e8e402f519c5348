import Foundation
import XCTest

/// `tbd model init-random`, `tbd render` (the job runner) and `tbd render schedule` through the built binary.
final class RenderCommandTests: XCTestCase {
    private func tbd(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = FACSCommandTests.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: NSTemporaryDirectory())
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

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
