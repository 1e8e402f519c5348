import Foundation
@testable import Store
import TestSupport
import XCTest

/// Curators' processes running `review-stress load` against one store at once (claim, then approve, or edit and
/// approve every few items, until the queue is empty), and what each reported as done.
struct LoadRun {
    /// Per process, the ids it reported decided, in order; each is printed only after its decision committed.
    var reported: [[Int64]]
    var runs: [ProgramRun]

    /// Starts `curators` processes on `location`; `midway`, when given, runs once the first process has reported
    /// `after` decisions, while all of them are still deciding.
    static func run(
        location: String, curators: Int, editEvery: Int = 5, midway: (after: Int, action: () throws -> Void)? = nil
    ) throws -> LoadRun {
        let processes = try (0..<curators).map {
            try BuiltProgram.start("review-stress", ["load", location, "curator\($0)", String(editEvery)])
        }
        var early: [String] = []
        if let midway {
            while early.count < midway.after, let line = processes[0].standardOutput.readLine() { early.append(line) }
            do { try midway.action() } catch {
                processes.forEach { $0.kill() }
                throw error
            }
        }
        // One short line per decision, far below what a pipe holds: reading one to its end never blocks the others.
        let runs = processes.map { $0.finish() }
        let reported = runs.enumerated().map { index, run in
            ((index == 0 ? early : []) + run.stdout.split(separator: "\n").map(String.init)).compactMap { line in
                line.split(separator: " ").first.flatMap { Int64($0) }
            }
        }
        return LoadRun(reported: reported, runs: runs)
    }

    /// Decisions whose COMMIT lost its reply: the client reported them neither done nor failed.
    var unknownOutcomes: Int {
        runs.map { $0.stderr.components(separatedBy: "whether it was kept is unknown").count - 1 }.reduce(0, +)
    }

    /// No decision lost, none twice: every process ended well, no id was reported twice, every item is approved
    /// with exactly one decision in the audit, the status counts agree, and everything reported is among them.
    func checkEveryItemDecidedOnce(_ store: ProjectStore, ids: [Int64], file: StaticString = #filePath, line: UInt = #line) throws {
        for (index, run) in runs.enumerated() {
            XCTAssertEqual(run.status, 0, "curator\(index): \(run.stderr)", file: file, line: line)
        }
        let all = reported.flatMap { $0 }
        XCTAssertEqual(all.count, Set(all).count, "reported twice: \(Dictionary(grouping: all, by: { $0 }).filter { $1.count > 1 }.keys.sorted())", file: file, line: line)
        XCTAssertTrue(Set(all).isSubset(of: ids), file: file, line: line)
        // Only a decision whose COMMIT reply was lost may be in the store without having been reported.
        XCTAssertGreaterThanOrEqual(all.count, ids.count - unknownOutcomes, file: file, line: line)
        let decisions = try store.database.read { db in
            try StoreRow.fetchAll(db, sql: "SELECT annotation_id, count(*) AS n FROM audit_log WHERE action IN ('approve', 'edit') GROUP BY annotation_id")
        }
        var perItem: [Int64: Int64] = [:]
        for row in decisions { perItem[row["annotation_id"] as Int64] = row["n"] as Int64 }
        XCTAssertEqual(Set(perItem.keys), Set(ids), "items without a decision: \(Set(ids).subtracting(perItem.keys).sorted())", file: file, line: line)
        XCTAssertEqual(perItem.filter { $0.value != 1 }, [:], "items decided more than once", file: file, line: line)
        XCTAssertEqual(try store.statusCounts(), StatusCounts(pending: 0, approved: ids.count, rejected: 0), file: file, line: line)
        XCTAssertEqual(try store.integrityProblems(), [], file: file, line: line)
    }
}
