import AnnotationRecord
import Foundation
import Store
import TestSupport
import XCTest

/// Two curators decide every item; their disagreements wait for a reviewer, whose decision is final; the
/// agreement figures and the export show every response.
final class ReviewOverlapCommandTests: XCTestCase {
    private var folder: URL!
    private var database: String!

    override func setUpWithError() throws {
        let (store, made) = try makeTemporaryStore()
        folder = made
        database = store.path
        _ = try store.addAnnotations([
            sampleAnnotation(0, emotion: "happy"), sampleAnnotation(1, emotion: "happy"),
            sampleAnnotation(2, emotion: "sad"), sampleAnnotation(3, emotion: "sad"),
        ])
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    @discardableResult
    private func tbd(_ arguments: [String], curator: String = "ann", status: Int32 = 0) throws -> ProgramRun {
        let run = try BuiltProgram.run("tbd", arguments + ["--db", database], environment: ["TBD_CURATOR": curator])
        XCTAssertEqual(run.status, status, "\(arguments): \(run.stderr)")
        return run
    }

    func testTwoCuratorsDisagreeAReviewerSettlesItAndAgreementIsReported() throws {
        XCTAssertEqual(try tbd(["review", "settings", "--overlap", "2", "--json"]).jsonObject?["overlap"] as? Int, 2)
        // ann and bob both decide every item; they disagree on #2 and on #4's reason.
        try tbd(["review", "approve", "1"], curator: "ann")
        let first = try tbd(["review", "approve", "1", "--json"], curator: "bob")
        XCTAssertEqual(first.jsonObject?["status_after"] as? String, "approved", "two approvals: decided")
        let response = try tbd(["review", "approve", "2"], curator: "ann")
        XCTAssertTrue(response.stdout.contains("stays pending"), response.stdout)
        try tbd(["review", "approve", "2"], curator: "ann", status: 1)  // one response per curator
        try tbd(["review", "reject", "2", "--reason", "wrong_emotion"], curator: "bob")
        try tbd(["review", "reject", "3", "--reason", "au_not_visible"], curator: "ann")
        try tbd(["review", "reject", "3", "--reason", "au_not_visible"], curator: "bob")
        try tbd(["review", "reject", "4", "--reason", "wrong_emotion"], curator: "ann")
        try tbd(["review", "reject", "4", "--reason", "wrong_intensity"], curator: "bob")

        let conflicts = try XCTUnwrap(try tbd(["review", "list", "--status", "conflict", "--json"]).json as? [[String: Any]])
        XCTAssertEqual(conflicts.compactMap { $0["id"] as? Int }, [2])
        try tbd(["review", "approve", "2"], curator: "cat", status: 1)  // a curator cannot decide a conflict

        let agreement = try XCTUnwrap(try tbd(["review", "agreement", "--json"]).jsonObject)
        XCTAssertEqual(agreement["items"] as? Int, 4)
        XCTAssertEqual(try XCTUnwrap(agreement["percent_agreement"] as? Double), 0.75, accuracy: 1e-9)
        // Fleiss: 3 approvals and 5 rejections in all, p_e = (3/8)^2 + (5/8)^2 = 34/64, kappa = (0.75 - p_e) / (1 - p_e) = 7/15.
        XCTAssertEqual(try XCTUnwrap(agreement["kappa"] as? Double), 7.0 / 15.0, accuracy: 1e-9)
        let reasons = try XCTUnwrap(agreement["reasons"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(reasons["percent_agreement"] as? Double), 0.5, accuracy: 1e-9)
        let pairs = try XCTUnwrap(agreement["pairs"] as? [[String: Any]])
        XCTAssertEqual(pairs.first?["curators"] as? [String], ["ann", "bob"])

        let settled = try tbd(["review", "reject", "2", "--reason", "wrong_emotion", "--role", "reviewer", "--json"], curator: "rita")
        XCTAssertEqual(settled.jsonObject?["status_after"] as? String, "rejected")
        XCTAssertEqual(try XCTUnwrap(try tbd(["review", "list", "--status", "conflict", "--json"]).json as? [Any]).count, 0)
        // The reviewer's decision does not count as a third curator's rating.
        XCTAssertEqual(try XCTUnwrap(try tbd(["review", "agreement", "--json"]).jsonObject?["percent_agreement"] as? Double), 0.75, accuracy: 1e-9)

        let export = try tbd(["export", "--status", "any", "--format", "jsonl", "--out", "-"])
        let records = export.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let second = try XCTUnwrap(records.first { $0["annotation_id"] as? Int == 2 })
        XCTAssertEqual(second["status"] as? String, "rejected")
        XCTAssertEqual(second["curator"] as? String, "rita", "the final decision")
        let responses = try XCTUnwrap(second["responses"] as? [[String: Any]])
        XCTAssertEqual(responses.compactMap { $0["curator"] as? String }, ["ann", "bob", "rita"])
        XCTAssertEqual(responses.compactMap { $0["decision"] as? String }, ["approve", "reject", "reject"])
    }
}
