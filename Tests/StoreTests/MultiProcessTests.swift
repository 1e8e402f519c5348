import Foundation
@testable import Store
import AnnotationRecord
import TestSupport
import XCTest

/// Real processes against one database file: racing claims, and a writer killed with SIGKILL mid-batch.
final class MultiProcessTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testTwoProcessesClaimingAtOnceNeverGetTheSameItem() throws {
        let path = folder.appendingPathComponent("race.sqlite").path
        let store = try ProjectStore(path: path)
        _ = try store.addAnnotations((0..<120).map { sampleAnnotation($0) })

        let processes = try ["ann", "bob"].map { try BuiltProgram.start("review-stress", ["claim", path, $0, "50"]) }
        let runs = processes.map { $0.finish() }
        for run in runs { XCTAssertEqual(run.status, 0, run.stderr) }
        let claimed = runs.map { $0.stdout.split(separator: "\n").compactMap { Int64($0) } }
        XCTAssertEqual(claimed[0].count, 50)
        XCTAssertEqual(claimed[1].count, 50)
        XCTAssertTrue(Set(claimed[0]).isDisjoint(with: claimed[1]), "both processes claimed \(Set(claimed[0]).intersection(claimed[1]).sorted())")
        let holders = Dictionary(grouping: try store.activeClaims(), by: \.curator).mapValues { Set($0.map(\.annotationID)) }
        XCTAssertEqual(holders["ann"], Set(claimed[0]))
        XCTAssertEqual(holders["bob"], Set(claimed[1]))
    }

    func testKilledWriterLosesNoCommittedDecisionAndLeavesNothingHalfWritten() throws {
        let path = folder.appendingPathComponent("crash.sqlite").path
        do {
            let store = try ProjectStore(path: path)
            _ = try store.addAnnotations((0..<2000).map { sampleAnnotation($0) })
        }
        let writer = try BuiltProgram.start("review-stress", ["approve", path, "ann"])

        // Read committed ids until the writer is well into the batch, then kill it without warning.
        var acknowledged: [Int64] = []
        while acknowledged.count < 40, let line = writer.standardOutput.readLine() {
            acknowledged.append(try XCTUnwrap(Int64(line), line))
        }
        writer.kill(SIGKILL)
        let rest = writer.finish()
        XCTAssertEqual(writer.process.terminationReason, .uncaughtSignal, "the writer must still have been running when killed")
        // The last line may be cut by the kill; only whole lines were committed and acknowledged.
        let wholeLines = rest.stdout.lastIndex(of: "\n").map { rest.stdout[...$0] } ?? ""
        acknowledged += wholeLines.split(separator: "\n").compactMap { Int64($0) }
        XCTAssertGreaterThanOrEqual(acknowledged.count, 40)

        let reopened = try ProjectStore(path: path)
        XCTAssertEqual(try reopened.integrityProblems(), [])
        let approved = Set(try reopened.list(filter: ReviewFilter(status: .approved), limit: 10_000).map(\.id))
        XCTAssertTrue(Set(acknowledged).isSubset(of: approved), "missing: \(Set(acknowledged).subtracting(approved).sorted())")
        // At most the one decision that committed before its id was printed goes beyond what was acknowledged.
        XCTAssertLessThanOrEqual(approved.count - acknowledged.count, 1)
        let counts = try reopened.statusCounts()
        XCTAssertEqual(counts.approved, approved.count)
        XCTAssertEqual(counts.pending + counts.approved, 2000)
        for id in acknowledged.prefix(5) {
            let detail = try reopened.show(id: id)
            XCTAssertEqual(detail.decisions.map(\.action), [.approve])
            XCTAssertEqual(try reopened.auditLog(annotationID: id).map(\.action), ["add", "claim", "approve"])
        }
        // The killed writer's claim, if it held one, is left to expire; the queue goes on for everyone else.
        XCTAssertNotNil(try reopened.claimNext(curator: "bob"))
    }
}
