import AnnotationRecord
import Foundation
import Store
import TestSupport
import XCTest

/// A render killed outright (SIGKILL) left its `.partial-` video and a store record saying `running` forever; the
/// next run removes the file and marks the record failed.
final class RenderLeftoverCommandTests: XCTestCase {
    private func partials(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.contains(".partial-") }
    }

    private func waitFor(_ what: String, seconds: TimeInterval = 120, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        XCTFail("timed out waiting for \(what)")
        return false
    }

    func testKilledRenderIsCleanedUpAndMarkedFailedByTheNextRun() throws {
        let root = try makeTemporaryFolder("tbd-render-kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("model").path
        let made = try BuiltProgram.run("tbd", ["model", "init-random", "--config", "tiny", "--out", model])
        XCTAssertEqual(made.status, 0, made.stderr)
        let db = root.appendingPathComponent("tbd.sqlite").path
        let store = try ProjectStore(path: db)
        let id = try store.addAnnotation(sampleAnnotation())
        let out = root.appendingPathComponent("out")
        let render = ["render", "--id", String(id), "--db", db, "--model", model, "--out", out.path, "--frames", "400", "--steps", "4"]

        let killed = try BuiltProgram.start("tbd", render)
        guard waitFor("the first run's partial video", { !partials(in: out).isEmpty }) else { return killed.kill() }
        killed.kill(SIGKILL)
        _ = killed.finish()
        let left = partials(in: out)
        XCTAssertEqual(left.count, 1, "SIGKILL leaves the partial file: \(left)")
        XCTAssertEqual(try store.renders(status: .running).count, 1)
        // Past the grace period in which a just-created partial file is not yet locked by its writer.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)],
                                              ofItemAtPath: out.appendingPathComponent(left[0]).path)

        let next = try BuiltProgram.start("tbd", render)
        defer { next.kill(SIGKILL); _ = next.finish() }
        XCTAssertTrue(try waitFor("the old record to be marked failed") { try store.renders(status: .failed).count == 1 })
        let failed = try store.renders(status: .failed)
        XCTAssertTrue(failed.first?.error?.contains("interrupted") == true, "\(failed)")
        XCTAssertTrue(waitFor("the old partial file to go") { !partials(in: out).contains(left[0]) })
        XCTAssertEqual(try store.renders(status: .running).count, 1, "only the new run is running")
    }
}
