import Foundation
import GRDB
@testable import Store
import AnnotationRecord
import TestSupport
import XCTest

final class SchemaMigrationTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testOlderDatabaseIsUpgradedAndKeepsItsData() throws {
        let path = folder.appendingPathComponent("old.sqlite").path
        do {
            // A database as the first release wrote it: only the first migration, one annotation.
            let pool = try DatabasePool(path: path)
            try StoreSchema.migrator(upTo: "v1-review-core").migrate(pool)
            try pool.write { db in
                try db.execute(sql: "INSERT INTO subject (id, source_path, kind, created_at) VALUES (1, 'a.png', 'image', '2026-01-01 00:00:00.000')")
                try db.execute(sql: """
                    INSERT INTO annotation (id, subject_id, emotion, level, mode, backend, template_version, stages_json,
                        provenance_json, created_at, updated_at)
                    VALUES (7, 1, 'sad', 2, 'cot', 'offline-facs-rules', 'v0', '[]', '{}', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                    """)
                try db.execute(sql: """
                    INSERT INTO revision (annotation_id, number, coarse_prompt, fine_prompt, aus_json, findings_json, author, created_at)
                    VALUES (7, 1, 'a sad face', 'brows raised inside', '["1B","4B","15B"]', '[]', 'pipeline', '2026-01-01 00:00:00.000')
                    """)
                XCTAssertFalse(try db.tableExists("render"))
            }
        }
        let store = try ProjectStore(path: path)
        XCTAssertEqual(try store.appliedMigrations(), StoreSchema.migrationNames)
        let detail = try store.show(id: 7)
        XCTAssertEqual(detail.current.aus, ["1B", "4B", "15B"])
        XCTAssertEqual(try store.statusCounts().pending, 1, "counts kept by triggers include rows written before the upgrade")
        _ = try store.startRender(NewRender(annotationID: 7, revision: 1, parametersJSON: "{}", seed: 3, modelPath: "m"), isAbandoned: false)
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testNewerDatabaseIsRefusedClearly() throws {
        let path = folder.appendingPathComponent("new.sqlite").path
        _ = try ProjectStore(path: path)
        do {
            let pool = try DatabasePool(path: path)
            try pool.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
            }
        }
        XCTAssertThrowsError(try ProjectStore(path: path)) { error in
            XCTAssertEqual(error as? StoreError, .newerSchema(path: path, unknownMigrations: ["v9-from-the-future"]))
            XCTAssertTrue("\(error)".contains("newer tbd"))
        }
    }

    func testAFileThatIsNotADatabaseIsRefusedAndKept() throws {
        let path = folder.appendingPathComponent("notes.sqlite").path
        try Data("these are my notes, not a database\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ProjectStore(path: path))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "these are my notes, not a database\n")
    }

    func testDatabaseIsInWALMode() throws {
        let store = try ProjectStore(path: folder.appendingPathComponent("wal.sqlite").path)
        let mode = try store.database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
    }
}
