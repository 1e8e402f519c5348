import Foundation
import RenderingJobs
import TestSupport
import XCTest

/// The render farm's queue key: the settings that change a clip's pixels and the model's content, nothing else.
final class RenderWorkerTests: XCTestCase {
    func testTheSettingsHashFollowsWhatChangesPixelsAndFilesByContent() throws {
        let folder = try makeTemporaryFolder("tbd-farm-hash")
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = RenderSettings(modelPath: "/models/a", outputFolder: "/shared/out")
        let hash = try RenderWorker.settingsHash(base, modelHash: "m1")
        XCTAssertEqual(hash.count, 64)
        XCTAssertEqual(try RenderWorker.settingsHash(base, modelHash: "m1"), hash, "the same settings, the same queue")

        var elsewhere = base
        elsewhere.outputFolder = "/mnt/renders"
        elsewhere.modelPath = "/other/path/to/a"
        elsewhere.emotion = "happy"
        elsewhere.limit = 2
        XCTAssertEqual(try RenderWorker.settingsHash(elsewhere, modelHash: "m1"), hash, "--out, the model's path, --emotion and --limit change no pixel")
        XCTAssertNotEqual(try RenderWorker.settingsHash(base, modelHash: "m2"), hash, "another model's content")
        for change in [{ (s: inout RenderSettings) in s.steps = 41 }, { $0.seed = 1 }, { $0.size = 64 }, { $0.window = 8 }, { $0.guidanceScale = 3 }] {
            var changed = base
            change(&changed)
            XCTAssertNotEqual(try RenderWorker.settingsHash(changed, modelHash: "m1"), hash)
        }

        // A named reference counts by its content: two paths to the same bytes share a queue, new bytes do not.
        let one = folder.appendingPathComponent("one.png"), two = folder.appendingPathComponent("two.png")
        try Data([1, 2, 3]).write(to: one)
        try Data([1, 2, 3]).write(to: two)
        var first = base, second = base
        first.reference = one.path
        second.reference = two.path
        let referenced = try RenderWorker.settingsHash(first, modelHash: "m1")
        XCTAssertNotEqual(referenced, hash)
        XCTAssertEqual(try RenderWorker.settingsHash(second, modelHash: "m1"), referenced)
        try Data([9]).write(to: two)
        XCTAssertNotEqual(try RenderWorker.settingsHash(second, modelHash: "m1"), referenced)
        second.reference = folder.appendingPathComponent("missing.png").path
        XCTAssertThrowsError(try RenderWorker.settingsHash(second, modelHash: "m1"), "a named file that is missing")
    }
}
