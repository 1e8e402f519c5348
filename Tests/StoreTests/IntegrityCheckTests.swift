import AnnotationRecord
import Foundation
import GRDB
@testable import Store
import TestSupport
import XCTest

/// The store's check (`ProjectStore.integrityProblems()`, `tbd review check`) shown catching damage: bytes of the
/// file overwritten behind SQLite's back, and rows changed by raw SQL past the store's API and triggers.
final class IntegrityCheckTests: XCTestCase {
    var folder: URL!
    var path: String { folder.appendingPathComponent("tbd.sqlite").path }

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
        // A sound database: twenty annotations, the first approved (a decision and its audit entry).
        let store = try ProjectStore(path: path)
        _ = try store.addAnnotations((0..<20).map { sampleAnnotation($0) })
        try store.approve(id: 1, curator: "ann")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// `tbd review check --json` on the database.
    private func checkCommand() throws -> ProgramRun {
        try BuiltProgram.run("tbd", ["review", "check", "--db", path, "--json"])
    }

    /// Runs SQL on the database as any SQLite client could, bypassing the store.
    private func tamper(_ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    /// Asserts that both the library and the command report `expected` (a problem's exact text, or its start).
    private func assertCaught(_ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let problems = try ProjectStore(path: path).integrityProblems()
        XCTAssertTrue(problems.contains { $0.hasPrefix(expected) }, "\(expected) not among \(problems)", file: file, line: line)
        let run = try checkCommand()
        XCTAssertEqual(run.status, 1, run.stderr, file: file, line: line)
        XCTAssertEqual(run.jsonObject?["ok"] as? Bool, false, run.stdout, file: file, line: line)
        let reported = run.jsonObject?["problems"] as? [String] ?? []
        XCTAssertTrue(reported.contains { $0.hasPrefix(expected) }, "\(expected) not among \(reported)", file: file, line: line)
    }

    func testASoundDatabasePasses() throws {
        XCTAssertEqual(try ProjectStore(path: path).integrityProblems(), [])
        let run = try checkCommand()
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.jsonObject?["ok"] as? Bool, true, run.stdout)
        XCTAssertEqual(run.jsonObject?["problems"] as? [String], [])
    }

    /// One byte of an index page overwritten in the file: an index entry no longer matches its row, which
    /// SQLite's own check finds (the index of annotations by backend is read by nothing else the check runs).
    func testOverwrittenBytesOfAnIndexPageAreFound() throws {
        let (page, pageSize): (Int, Int) = try {
            let queue = try DatabaseQueue(path: path)
            // Move everything from the write-ahead log into the file, so the file holds every page.
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            return try queue.read { db in
                (try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'annotation_backend'")!,
                 try Int.fetchOne(db, sql: "PRAGMA page_size")!)
            }
        }()
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? file.close() }
        let start = UInt64((page - 1) * pageSize)
        try file.seek(toOffset: start)
        let bytes = [UInt8](try XCTUnwrap(try file.read(upToCount: pageSize)))
        // Twenty short entries fit the index's root page, a leaf (type 10) whose cell pointers start at byte 8.
        // The first cell holds one entry's key, the backend name: change its last letter.
        XCTAssertEqual(bytes[0], 10, "the index's root page is a leaf")
        let cell = Int(bytes[8]) << 8 | Int(bytes[9])
        let name = Array("openai-chat".utf8)
        let key = try XCTUnwrap((cell...(pageSize - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name }, "no key in the cell")
        try file.seek(toOffset: start + UInt64(key + name.count - 1))
        try file.write(contentsOf: Data("T".utf8))
        try file.close()

        try assertCaught("row ")
        let problems = try ProjectStore(path: path).integrityProblems()
        XCTAssertTrue(problems.contains { $0.contains("missing from index annotation_backend") }, "\(problems)")
    }

    /// The per-status counts kept by triggers, changed by hand: the list's status line would lie.
    func testStatusCountsThatDisagreeWithTheAnnotationsAreFound() throws {
        try tamper("UPDATE status_count SET count = count + 1 WHERE status = 'approved'")
        try assertCaught("1 status counts disagree with the annotations")
    }

    /// An annotation pointing at a revision that does not exist: review and export would fail on it.
    func testAnAnnotationWithoutItsCurrentRevisionIsFound() throws {
        try tamper("UPDATE annotation SET current_revision = 2 WHERE id = 3")
        try assertCaught("1 annotations point at a missing current revision")
    }

    /// An audit entry deleted once the trigger that forbids it is dropped: the decision has lost its record.
    func testADecisionWhoseAuditEntryWasDeletedIsFound() throws {
        try tamper("DROP TRIGGER audit_no_delete; DELETE FROM audit_log WHERE action = 'approve'")
        try assertCaught("1 decisions without an audit entry")
    }

    /// A decision about an annotation that does not exist, written with foreign keys off.
    func testADecisionAboutAMissingAnnotationIsFound() throws {
        try tamper("""
            PRAGMA foreign_keys = OFF;
            INSERT INTO decision (annotation_id, action, curator, status_before, status_after, revision_before, revision_after, created_at)
            VALUES (999, 'approve', 'ann', 'pending', 'approved', 1, 1, '2026-01-01 00:00:00.000')
            """)
        try assertCaught("foreign key: ")
    }
}
