import Foundation
import Store
import TestSupport
import XCTest

/// `tbd review audit --limit N` shows the latest N entries (it used to show the oldest), oldest first.
final class ReviewAuditCommandTests: XCTestCase {
    func testALimitShowsTheLatestEntries() throws {
        let folder = try makeTemporaryFolder("tbd-audit")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("tbd.sqlite").path
        let store = try ProjectStore(path: database)
        _ = try store.addAnnotations((0..<5).map { sampleAnnotation($0) })
        try store.approve(id: 5, curator: "ann")
        let run = try BuiltProgram.run("tbd", ["review", "audit", "--limit", "2", "--db", database, "--json"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let entries = try XCTUnwrap(run.json as? [[String: Any]])
        XCTAssertEqual(entries.map { $0["action"] as? String }, ["add", "approve"])
        XCTAssertEqual(entries.map { $0["annotation_id"] as? Int }, [5, 5])
        let text = try BuiltProgram.run("tbd", ["review", "audit", "--limit", "1", "--db", database], in: folder)
        XCTAssertTrue(text.stdout.contains(" ann approve #5 "), text.stdout)
        XCTAssertEqual(text.stdout.split(separator: "\n").count, 1)
        let zero = try BuiltProgram.run("tbd", ["review", "audit", "--limit", "0", "--db", database], in: folder)
        XCTAssertNotEqual(zero.status, 0)
    }
}
