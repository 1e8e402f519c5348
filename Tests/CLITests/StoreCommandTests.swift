import AnnotationRecord
import Foundation
import Store
import TestSupport
import XCTest

/// The store commands through the built `tbd`: who may create a database, what `undo` leaves behind, and what
/// `export` writes by default.
final class StoreCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder("tbd-store-commands") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func tbd(_ arguments: [String]) throws -> ProgramRun { try BuiltProgram.run("tbd", arguments, in: folder) }

    /// Reading commands in an empty folder say there is no database and create none; a mistyped --db too.
    func testReadOnlyCommandsNeverCreateAStore() throws {
        let commands: [[String]] = [
            ["review", "list"], ["review", "show", "1"], ["review", "stats"], ["review", "audit"], ["review", "check"],
            ["export"], ["export", "--out", "-"], ["review", "approve", "1", "--curator", "ann"], ["review", "undo", "--curator", "ann"],
            ["render", "--approved", "--model", "/nonexistent", "--out", "renders"],
        ]
        for command in commands {
            let run = try tbd(command)
            XCTAssertNotEqual(run.status, 0, "\(command)")
            XCTAssertTrue(run.stderr.contains("no review database at data/tbd.sqlite"), "\(command): \(run.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data").path), "\(command) created data/")
        }
        let typo = folder.appendingPathComponent("tbd.sqlit").path
        let run = try tbd(["review", "list", "--db", typo])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains(typo), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: typo))
    }

    /// `tbd review undo` used to hand the item back to the curator under a 10-minute claim that nothing renewed
    /// or released; now anyone can decide it at once.
    func testCommandLineUndoLeavesNoClaim() throws {
        let database = folder.appendingPathComponent("tbd.sqlite").path
        let id = try ProjectStore(path: database).addAnnotation(sampleAnnotation(1))
        XCTAssertEqual(try tbd(["review", "approve", "\(id)", "--curator", "ann", "--db", database]).status, 0)
        let undo = try tbd(["review", "undo", "--curator", "ann", "--db", database])
        XCTAssertEqual(undo.status, 0, undo.stderr)
        XCTAssertNil(try ProjectStore(path: database).show(id: id).claim)
        let other = try tbd(["review", "reject", "\(id)", "--reason", "wrong_emotion", "--curator", "bob", "--db", database])
        XCTAssertEqual(other.status, 0, other.stderr)
    }

    /// `tbd export` with no option: JSONL of the approved items, beside the store (not under the working folder),
    /// and with --status rejected each record says why.
    func testExportDefaultsToJSONLBesideTheStoreWithReasons() throws {
        let project = folder.appendingPathComponent("project")
        let database = project.appendingPathComponent("tbd.sqlite").path
        let store = try ProjectStore(path: database)
        let kept = try store.addAnnotation(sampleAnnotation(1))
        let dropped = try store.addAnnotation(sampleAnnotation(2))
        try store.approve(id: kept, curator: "ann")
        try store.reject(id: dropped, curator: "ann", reason: .auNotVisible, note: "mouth hidden")

        let run = try tbd(["export", "--db", database])
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = project.appendingPathComponent("out/review-export.jsonl").path
        XCTAssertTrue(FileManager.default.fileExists(atPath: expected), run.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data").path))
        XCTAssertEqual(try String(contentsOfFile: expected, encoding: .utf8).split(separator: "\n").count, 1)

        let rejected = try tbd(["export", "--db", database, "--status", "rejected", "--out", "-"])
        XCTAssertEqual(rejected.status, 0, rejected.stderr)
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(rejected.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(record["reason"] as? String, "au_not_visible")
        XCTAssertEqual(record["note"] as? String, "mouth hidden")
        XCTAssertTrue(record["model_id"] != nil && record["template_version"] != nil)

        let bad = try tbd(["export", "--db", database, "--format", "xml"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("'xml' is invalid for '--format"), bad.stderr)
    }
}
