import Foundation
@testable import Store
import AnnotationRecord
import TestSupport
import XCTest

class ExportTests: StoreBackendTestCase {
    var folder: URL!
    var store: ProjectStore!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
        store = try makeStore()
    }

    override func tearDownWithError() throws {
        store = nil
        try? FileManager.default.removeItem(at: folder)
    }

    func testJSONLExportHasOneRecordPerLinkedClipWithTheApprovedRevision() throws {
        let unit = try store.addAnnotation(sampleAnnotation(1, sourcePath: "data/mead/M003/unit_happy_2"))
        let plain = try store.addAnnotation(sampleAnnotation(2))
        _ = try store.addAnnotation(sampleAnnotation(3))
        for clip in ["a/001.mp4", "a/002.mp4"] {
            try store.addClipLink(ClipLink(annotationID: unit, clipPath: clip, actorID: "M003", view: "left_30", emotion: "happy", level: 2))
        }
        try store.edit(id: unit, curator: "ann", fine: "edited, \"quoted\"", approve: true)
        try store.approve(id: plain, curator: "bob")

        let path = folder.appendingPathComponent("out/export.jsonl").path
        let summary = try ReviewExporter(store: store).export(format: .jsonl, unit: .clip, to: path)
        XCTAssertEqual(summary.records, 3)
        XCTAssertEqual(summary.annotations, 2)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        // Stored (and exported) absolute, so the export works from any folder.
        let here = FileManager.default.currentDirectoryPath
        XCTAssertEqual(records.map { $0["source_path"] as? String }, [here + "/a/001.mp4", here + "/a/002.mp4", sampleAnnotation(2).subject.sourcePath])
        XCTAssertEqual(records[0]["fine_prompt"] as? String, "edited, \"quoted\"")
        XCTAssertEqual(records[0]["revision"] as? Int, 2)
        XCTAssertEqual(records[0]["view"] as? String, "left_30")
        XCTAssertEqual(records[0]["curator"] as? String, "ann")
        XCTAssertEqual(records[2]["curator"] as? String, "bob")
        XCTAssertEqual(records[2]["aus"] as? [String], ["6C", "12C"])
        XCTAssertNotNil(records[2]["decided_at"] as? String)

        let perSubject = try ReviewExporter(store: store).export(format: .jsonl, unit: .subject, to: path)
        XCTAssertEqual(perSubject.records, 2)
    }

    /// A rejected record says why (reason and note); every key is present, a missing value as null, so each
    /// line has the documented shape.
    func testRejectedRecordsCarryReasonAndNoteAndMissingValuesAreNull() throws {
        let rejected = try store.addAnnotation(sampleAnnotation(1))
        let approved = try store.addAnnotation(sampleAnnotation(2))
        let pending = try store.addAnnotation(sampleAnnotation(3))
        try store.reject(id: rejected, curator: "ann", reason: .wrongEmotion, note: "looks sad")
        try store.approve(id: approved, curator: "bob")
        let path = folder.appendingPathComponent("all.jsonl").path
        try ReviewExporter(store: store).export(status: nil, format: .jsonl, unit: .subject, to: path)
        let records = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(records.map { $0["annotation_id"] as? Int }, [rejected, approved, pending].map { Int($0) })
        XCTAssertEqual(records[0]["reason"] as? String, "wrong_emotion")
        XCTAssertEqual(records[0]["note"] as? String, "looks sad")
        XCTAssertTrue(records[1]["reason"] is NSNull, "an approval has no reason: \(records[1])")
        for key in ["curator", "decided_at", "reason", "note"] {
            XCTAssertTrue(records[2][key] is NSNull, "pending record's \(key) is present as null: \(records[2])")
        }
        let keys = Set(ExportRecord.csvColumns)
        for record in records { XCTAssertEqual(Set(record.keys), keys, "the JSONL and CSV forms have the same fields") }

        try ReviewExporter(store: store).export(status: .rejected, format: .csv, unit: .subject, to: path)
        let csv = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(csv.hasSuffix(",wrong_emotion,looks sad,ann:reject(wrong_emotion)\r\n"), csv)
    }

    /// A rejection undone and made again carries the standing decision's reason, not the undone one's.
    func testTheStandingRejectionGivesTheReason() throws {
        let id = try store.addAnnotation(sampleAnnotation(1))
        try store.reject(id: id, curator: "ann", reason: .wrongEmotion, note: "first")
        try store.undoLast(curator: "ann")
        try store.reject(id: id, curator: "ann", reason: .other, note: "second thoughts")
        var reasons: [String] = []
        try ReviewExporter(store: store).forEachRecord(status: .rejected, unit: .subject) { reasons.append("\($0.reason ?? "-"): \($0.note ?? "-")") }
        XCTAssertEqual(reasons, ["other: second thoughts"])
    }

    func testCSVQuotesFieldsAndReplacesTheFileAtomically() throws {
        let id = try store.addAnnotation(sampleAnnotation(1, fine: "line one\nline \"two\", with comma"))
        try store.approve(id: id, curator: "ann")
        let path = folder.appendingPathComponent("export.csv").path
        try Data("old export\n".utf8).write(to: URL(fileURLWithPath: path))
        try ReviewExporter(store: store).export(format: .csv, unit: .clip, to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix(ExportRecord.csvColumns.joined(separator: ",") + "\r\n"))
        XCTAssertTrue(text.contains("\"line one\nline \"\"two\"\", with comma\""), text)
        XCTAssertTrue(text.contains(",6C+12C,approved,ann,"))
        XCTAssertFalse(text.contains("old export"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testFailedExportLeavesThePreviousFileAlone() throws {
        let id = try store.addAnnotation(sampleAnnotation(1))
        try store.approve(id: id, curator: "ann")
        let target = folder.appendingPathComponent("taken")
        // A directory where the file should go: the rename fails, and the directory is untouched.
        try FileManager.default.createDirectory(at: target.appendingPathComponent("inside"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try ReviewExporter(store: store).export(format: .jsonl, unit: .clip, to: target.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: target.appendingPathComponent("inside").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testEmptyStoreExportsAnEmptyFile() throws {
        let path = folder.appendingPathComponent("empty.jsonl").path
        let summary = try ReviewExporter(store: store).export(format: .jsonl, unit: .clip, to: path)
        XCTAssertEqual(summary.records, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, 0)
    }
}

/// ExportTests on PostgreSQL: each test again on a fresh database of the test cluster. Linux XCTest runs only the
/// tests a class declares itself, so each one is declared here and runs the inherited body.
final class ExportOnPostgresTests: ExportTests {
    override class var backend: Backend { .postgres }
    override func testJSONLExportHasOneRecordPerLinkedClipWithTheApprovedRevision() throws { try super.testJSONLExportHasOneRecordPerLinkedClipWithTheApprovedRevision() }
    override func testRejectedRecordsCarryReasonAndNoteAndMissingValuesAreNull() throws { try super.testRejectedRecordsCarryReasonAndNoteAndMissingValuesAreNull() }
    override func testTheStandingRejectionGivesTheReason() throws { try super.testTheStandingRejectionGivesTheReason() }
    override func testCSVQuotesFieldsAndReplacesTheFileAtomically() throws { try super.testCSVQuotesFieldsAndReplacesTheFileAtomically() }
    override func testFailedExportLeavesThePreviousFileAlone() throws { try super.testFailedExportLeavesThePreviousFileAlone() }
    override func testEmptyStoreExportsAnEmptyFile() throws { try super.testEmptyStoreExportsAnEmptyFile() }
}
