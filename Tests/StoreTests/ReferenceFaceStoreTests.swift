import Foundation
import GRDB
@testable import Store
import AnnotationRecord
import TestSupport
import XCTest

/// The faces found in reference frames (`reference_face`, migration v8): kept by content hash, checked on the way
/// in and out, shown with the annotations made from that frame.
class ReferenceFaceStoreTests: StoreBackendTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func face(box: [Double] = [90.5, 31, 134, 86], probability: Double = 0.9999) -> ReferenceFace {
        ReferenceFace(
            box: box, probability: probability, landmarks: [[102, 51], [123, 52], [112, 64], [101, 70], [123, 71]],
            frameWidth: 256, frameHeight: 256, frameIndex: 5, frameSeconds: 0.2, detector: "mtcnn facenet-pytorch 2.6.0")
    }

    func testAV7DatabaseIsUpgradedAndKeepsItsData() throws {
        let path = folder.appendingPathComponent("v7.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try StoreSchema.migrator(upTo: "v7-failed-annotation-retry").migrate(pool)
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO subject (id, source_path, kind, content_hash, created_at)
                    VALUES (1, '/data/a.mp4', 'unit', 'abc', '2026-01-01 00:00:00.000')
                    """)
                try db.execute(sql: """
                    INSERT INTO annotation (id, subject_id, emotion, level, mode, backend, template_version, stages_json,
                        provenance_json, created_at, updated_at)
                    VALUES (3, 1, 'sad', 2, 'cot', 'offline-facs-rules', 'v0', '[]', '{}', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                    """)
                try db.execute(sql: """
                    INSERT INTO revision (annotation_id, number, coarse_prompt, fine_prompt, aus_json, findings_json, author, created_at)
                    VALUES (3, 1, 'a sad face', 'brows raised inside', '["1B","4B","15B"]', '[]', 'pipeline', '2026-01-01 00:00:00.000')
                    """)
                try db.execute(sql: """
                    INSERT INTO batch_unit (unit_key, status, annotation_id, attempts, updated_at)
                    VALUES ('mead/M003/sad/2', 'done', 3, 1, '2026-01-01 00:00:00.000')
                    """)
                XCTAssertFalse(try db.tableExists("reference_face"))
            }
        }
        let store = try ProjectStore(path: path)
        XCTAssertEqual(try store.appliedMigrations(), StoreSchema.migrationNames)
        XCTAssertTrue(StoreSchema.migrationNames.contains("v8-reference-face"))
        let detail = try store.show(id: 3)
        XCTAssertEqual(detail.current.coarsePrompt, "a sad face")
        XCTAssertNil(detail.referenceFace, "an older annotation has no face, and shows as before")
        XCTAssertEqual(try store.batchUnits()["mead/M003/sad/2"]?.annotationID, 3)
        try store.recordReferenceFace(face(), contentHash: "abc")
        XCTAssertEqual(try store.show(id: 3).referenceFace?.box, face().box, "the item finds the face of its reference")
        XCTAssertEqual(try store.integrityProblems(), [])
    }

    func testAFaceRoundTripsAndARecordAgainReplacesIt() throws {
        let store = try makeStore()
        XCTAssertNil(try store.referenceFace(contentHash: "abc"))
        try store.recordReferenceFace(face(), contentHash: "abc")
        var read = try XCTUnwrap(try store.referenceFace(contentHash: "abc"))
        XCTAssertNotNil(read.detectedAt)
        read.detectedAt = nil
        XCTAssertEqual(read, face())
        try store.recordReferenceFace(face(box: [1, 2, 3, 4]), contentHash: "abc")
        XCTAssertEqual(try store.referenceFace(contentHash: "abc")?.box, [1, 2, 3, 4])
        let rows = try store.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM reference_face") }
        XCTAssertEqual(rows, 1, "one face per reference frame")
        // Text that looks like SQL is a value like any other.
        try store.recordReferenceFace(face(), contentHash: "x'); DROP TABLE reference_face; --")
        XCTAssertNotNil(try store.referenceFace(contentHash: "x'); DROP TABLE reference_face; --"))
    }

    func testBadValuesAreRefusedAndNothingIsWritten() throws {
        let store = try makeStore()
        var cases: [(String, ReferenceFace)] = [
            ("three numbers", face(box: [1, 2, 3])),
            ("not finite", face(box: [1, .nan, 3, 4])),
            ("x2 before x1", face(box: [10, 2, 3, 4])),
            ("probability", face(probability: 1.5)),
        ]
        var fourPoints = face()
        fourPoints.landmarks.removeLast()
        cases.append(("four landmarks", fourPoints))
        var infinitePoint = face()
        infinitePoint.landmarks[2] = [.infinity, 1]
        cases.append(("infinite landmark", infinitePoint))
        var noFrame = face()
        noFrame.frameWidth = 0
        cases.append(("frame size", noFrame))
        var negativeIndex = face()
        negativeIndex.frameIndex = -1
        cases.append(("frame index", negativeIndex))
        var anonymous = face()
        anonymous.detector = " "
        cases.append(("detector", anonymous))
        for (name, bad) in cases {
            XCTAssertThrowsError(try store.recordReferenceFace(bad, contentHash: "abc"), name) { error in
                XCTAssertTrue("\(error)".hasPrefix("reference face rejected: "), "\(name): \(error)")
            }
        }
        XCTAssertThrowsError(try store.recordReferenceFace(face(), contentHash: ""))
        XCTAssertNil(try store.referenceFace(contentHash: "abc"), "nothing was written")
    }

    /// The face is written with the unit's annotation and done mark, in the same transaction.
    func testABatchUnitKeepsItsReferenceFaceWithItsAnnotation() throws {
        let store = try makeStore()
        let annotation = sampleAnnotation(0)
        let id = try store.completeBatchUnit(key: "mead/M003/happy/2", annotation: annotation, clips: [], referenceFace: face())
        XCTAssertEqual(try store.show(id: id).referenceFace?.frameIndex, 5)
        XCTAssertEqual(try store.referenceFace(contentHash: "hash0")?.box, face().box)
        // A bad face refuses the whole unit: no annotation without its face, no done mark.
        XCTAssertThrowsError(try store.completeBatchUnit(key: "mead/M003/sad/2", annotation: sampleAnnotation(1), clips: [], referenceFace: face(box: [1])))
        XCTAssertNil(try store.batchUnits()["mead/M003/sad/2"])
        XCTAssertEqual(try store.statusCounts().pending, 1)
        var unhashed = sampleAnnotation(2)
        unhashed.subject.contentHash = nil
        XCTAssertThrowsError(try store.completeBatchUnit(key: "mead/M003/fear/1", annotation: unhashed, clips: [], referenceFace: face())) { error in
            XCTAssertTrue("\(error)".contains("no content hash"), "\(error)")
        }
    }

    /// A row edited by hand into nonsense is refused on the way out, and the item still shows, without the face.
    func testAnUnusableRowIsReportedAndTheItemStillShows() throws {
        let store = try makeStore()
        let id = try store.completeBatchUnit(key: "mead/M003/happy/2", annotation: sampleAnnotation(0), clips: [], referenceFace: face())
        try store.database.write { db in
            try db.execute(sql: "UPDATE reference_face SET landmarks_json = ? WHERE content_hash = ?", arguments: ["[[1, 2]]", "hash0"])
        }
        XCTAssertThrowsError(try store.referenceFace(contentHash: "hash0")) { error in
            XCTAssertTrue("\(error)".contains("landmarks must be five points"), "\(error)")
        }
        XCTAssertNil(try store.show(id: id).referenceFace)
    }
}

/// ReferenceFaceStoreTests on PostgreSQL: each test again on a fresh database of the test cluster. Linux XCTest runs only the
/// tests a class declares itself, so each one is declared here and runs the inherited body.
final class ReferenceFaceStoreOnPostgresTests: ReferenceFaceStoreTests {
    override class var backend: Backend { .postgres }
    override func testAFaceRoundTripsAndARecordAgainReplacesIt() throws { try super.testAFaceRoundTripsAndARecordAgainReplacesIt() }
    override func testBadValuesAreRefusedAndNothingIsWritten() throws { try super.testBadValuesAreRefusedAndNothingIsWritten() }
    override func testABatchUnitKeepsItsReferenceFaceWithItsAnnotation() throws { try super.testABatchUnitKeepsItsReferenceFaceWithItsAnnotation() }
    override func testAnUnusableRowIsReportedAndTheItemStillShows() throws { try super.testAnUnusableRowIsReportedAndTheItemStillShows() }
}
