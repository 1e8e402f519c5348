import Foundation
@testable import Store
import AnnotationRecord
import TestSupport
import XCTest

/// Real processes against one store: racing claims, curators deciding at once, and a writer killed with SIGKILL
/// mid-batch.
class MultiProcessTests: StoreBackendTestCase {
    func testTwoProcessesClaimingAtOnceNeverGetTheSameItem() throws {
        let path = try makeStoreLocation()
        let store = try ProjectStore(path: path)
        _ = try store.addAnnotations((0..<120).map { sampleAnnotation($0) })

        // Two barriers: each process opens the database, says "ready" and waits; both are released together. Each
        // then claims one item, says "claimed one" and waits again; released once both have, so their runs overlap
        // by construction (a loaded machine could otherwise run one to its end before the other began), and the
        // remaining claims race.
        let curators = ["ann", "bob"]
        let processes = try curators.map { try BuiltProgram.start("review-stress", ["claim", path, $0, "50", "--wait"]) }
        var seen: [[String]] = processes.map { _ in [] }
        for barrier in ["ready", "claimed one"] {
            for (index, process) in processes.enumerated() {
                var line = process.standardOutput.readLine()
                while let text = line, text != barrier {
                    seen[index].append(text)
                    line = process.standardOutput.readLine()
                }
                guard line != nil else {
                    processes.forEach { $0.kill() }
                    return XCTFail("\(curators[index]) never said \(barrier): \(process.finish().stderr)")
                }
            }
            for process in processes { try process.write("go\n") }
        }
        // A few lines each, far below what a pipe holds: reading one to its end never blocks the other.
        let runs = processes.map { $0.finish() }

        var claimed: [[Int64]] = [], spans: [(began: UInt64, ended: UInt64)] = []
        for (index, (curator, run)) in zip(curators, runs).enumerated() {
            XCTAssertEqual(run.status, 0, "\(curator): \(run.stderr)")
            let lines = seen[index].map { Substring($0) } + run.stdout.split(separator: "\n")
            claimed.append(lines.compactMap { Int64($0) })
            let began = lines.first { $0.hasPrefix("began ") }.flatMap { UInt64($0.dropFirst(6)) }
            let ended = lines.first { $0.hasPrefix("ended ") }.flatMap { UInt64($0.dropFirst(6)) }
            spans.append((try XCTUnwrap(began, run.stdout), try XCTUnwrap(ended, run.stdout)))
        }
        // The runs overlapped: each process started claiming before the other had finished.
        XCTAssertLessThan(spans[0].began, spans[1].ended, "ann started after bob had finished: no race")
        XCTAssertLessThan(spans[1].began, spans[0].ended, "bob started after ann had finished: no race")

        XCTAssertEqual(claimed[0].count, 50)
        XCTAssertEqual(claimed[1].count, 50)
        XCTAssertTrue(Set(claimed[0]).isDisjoint(with: claimed[1]), "both processes claimed \(Set(claimed[0]).intersection(claimed[1]).sorted())")
        let holders = Dictionary(grouping: try store.activeClaims(), by: \.curator).mapValues { Set($0.map(\.annotationID)) }
        XCTAssertEqual(holders["ann"], Set(claimed[0]))
        XCTAssertEqual(holders["bob"], Set(claimed[1]))
    }

    /// The load benchmark's invariant with fewer processes: four curators approving and editing at once.
    func testCuratorsDecidingAtOnceDecideEveryItemExactlyOnce() throws {
        let location = try makeStoreLocation()
        let store = try ProjectStore(path: location)
        let ids = try store.addAnnotations((0..<120).map { sampleAnnotation($0) })
        let run = try LoadRun.run(location: location, curators: 4, editEvery: 3)
        try run.checkEveryItemDecidedOnce(store, ids: ids)
        XCTAssertEqual(run.unknownOutcomes, 0)
        let edits = try store.auditLog(limit: 1000).filter { $0.action == "edit" }.count
        XCTAssertGreaterThan(edits, 0)
    }

    func testKilledWriterLosesNoCommittedDecisionAndLeavesNothingHalfWritten() throws {
        let path = try makeStoreLocation()
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

final class MultiProcessOnPostgresTests: MultiProcessTests {
    override class var backend: Backend { .postgres }
    override func testTwoProcessesClaimingAtOnceNeverGetTheSameItem() throws { try super.testTwoProcessesClaimingAtOnceNeverGetTheSameItem() }
    override func testCuratorsDecidingAtOnceDecideEveryItemExactlyOnce() throws { try super.testCuratorsDecidingAtOnceDecideEveryItemExactlyOnce() }
    override func testKilledWriterLosesNoCommittedDecisionAndLeavesNothingHalfWritten() throws {
        try super.testKilledWriterLosesNoCommittedDecisionAndLeavesNothingHalfWritten()
    }
}
