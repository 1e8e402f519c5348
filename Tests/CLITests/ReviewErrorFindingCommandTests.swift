import Foundation
import Store
import TestSupport
import XCTest

/// `tbd review edit 4 --aus "6C 99"` used to save silently, `approve` to succeed and `export` to write "99". Now the
/// edit prints the finding (and its JSON carries it), and the approval needs --force.
final class ReviewErrorFindingCommandTests: XCTestCase {
    private var folder: URL!
    private var database: String { folder.appendingPathComponent("tbd.sqlite").path }

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-error-findings")
        _ = try ProjectStore(path: database).addAnnotations((0..<4).map { sampleAnnotation($0) })
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func tbd(_ arguments: [String]) throws -> ProgramRun {
        try BuiltProgram.run("tbd", arguments + ["--db", database], in: folder, environment: ["TBD_CURATOR": "ann"])
    }

    func testAnUnknownAUIsSaidAtTheEditAndApprovedOnlyWithForce() throws {
        let edit = try tbd(["review", "edit", "4", "--aus", "6C 99"])
        XCTAssertEqual(edit.status, 0, edit.stderr)
        XCTAssertTrue(edit.stdout.contains("saved revision 2 of #4"), edit.stdout)
        XCTAssertTrue(edit.stdout.contains("error finding: unknown_code: "), edit.stdout)
        XCTAssertTrue(edit.stdout.contains("approving it needs --force: `tbd review approve 4 --force --db \(database)`"), edit.stdout)

        let approve = try tbd(["review", "approve", "4"])
        XCTAssertEqual(approve.status, 1)
        XCTAssertTrue(approve.stderr.contains("annotation #4 has an error finding (unknown_code: "), approve.stderr)
        XCTAssertTrue(approve.stderr.contains("`tbd review approve 4 --force --db \(database)`"), approve.stderr)
        let export = try tbd(["export", "--out", "-"])
        XCTAssertFalse(export.stdout.contains("\"99\""), "nothing with AU99 is exported: \(export.stdout)")

        let forced = try tbd(["review", "approve", "4", "--force", "--json"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(forced.jsonObject?["status_after"] as? String, "approved")
        XCTAssertTrue(try tbd(["export", "--out", "-"]).stdout.contains("\"99\""), "approved on purpose, it is exported")
    }

    func testTheEditsJSONCarriesItsErrorFindings() throws {
        let edit = try tbd(["review", "edit", "1", "--aus", "6C 99", "--json"])
        XCTAssertEqual(edit.status, 0, edit.stderr)
        let errors = try XCTUnwrap(edit.jsonObject?["error_findings"] as? [[String: Any]])
        XCTAssertEqual(errors.map { $0["kind"] as? String }, ["unknown_code"])
        XCTAssertEqual(edit.jsonObject?["number"] as? Int, 2, "the revision's own fields stay as they were")
        let clean = try tbd(["review", "edit", "2", "--fine", "lips pressed", "--json"])
        XCTAssertEqual((clean.jsonObject?["error_findings"] as? [Any])?.count, 0)
    }

    func testAnApprovedEditWithAnErrorFindingNeedsForce() throws {
        let refused = try tbd(["review", "edit", "1", "--aus", "6C 99", "--approve"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("unknown_code"), refused.stderr)
        XCTAssertEqual(try ProjectStore(path: database).show(id: 1).revisions.count, 1, "nothing saved")
        let lone = try tbd(["review", "edit", "1", "--aus", "6C 99", "--force"])
        XCTAssertNotEqual(lone.status, 0)
        XCTAssertTrue(lone.stderr.contains("--force goes with --approve"), lone.stderr)
        let forced = try tbd(["review", "edit", "1", "--aus", "6C 99", "--approve", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try ProjectStore(path: database).show(id: 1).status, .approved)
    }
}
