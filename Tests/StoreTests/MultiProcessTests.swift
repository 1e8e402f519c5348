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
        let stress = try BuiltProgram.url("review-stress")
        let path = folder.appendingPathComponent("race.sqlite").path
        let store = try ProjectStore(path: path)
        _ = try store.addAnnotations((0..<120).map { sampleAnnotation($0) })

        let outputs = [Pipe(), Pipe()]
        let processes = zip(["ann", "bob"], outputs).map { curator, pipe -> Process in
            let process = Process()
            process.executableURL = stress
            process.arguments = ["claim", path, curator, "50"]
            process.standardOutput = pipe
            return process
        }
        for process in processes { try process.run() }
        let claimed = outputs.map { pipe in
            String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").compactMap { Int64($0) }
        }
        for process in processes {
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
        }
        XCTAssertEqual(claimed[0].count, 50)
        XCTAssertEqual(claimed[1].count, 50)
        XCTAssertTrue(Set(claimed[0]).isDisjoint(with: claimed[1]), "both processes claimed \(Set(claimed[0]).intersection(claimed[1]).sorted())")
        let holders = Dictionary(grouping: try store.activeClaims(), by: \.curator).mapValues { Set($0.map(\.annotationID)) }
        XCTAssertEqual(holders["ann"], Set(claimed[0]))
        XCTAssertEqual(holders["bob"], Set(claimed[1]))
    }

    func testKilledWriterLosesNoCommittedDecisionAndLeavesNothingHalfWritten() throws {
        let stress = try BuiltProgram.url("review-stress")
        let path = folder.appendingPathComponent("crash.sqlite").path
        do {
            let store = try ProjectStore(path: path)
            _ = try store.addAnnotations((0..<2000).map { sampleAnnotation($0) })
        }
        let process = Process()
        process.executableURL = stress
        process.arguments = ["approve", path, "ann"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()

        // Read committed ids until the writer is well into the batch, then kill it without warning.
        var received = Data()
        let reader = pipe.fileHandleForReading
        while received.split(separator: UInt8(ascii: "\n")).count < 40 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the writer must still have been running when killed")
        received.append(reader.readDataToEndOfFile())
        // The last line may be cut by the kill; only whole lines were committed and acknowledged.
        var text = String(decoding: received, as: UTF8.self)
        if !text.hasSuffix("\n"), let cut = text.lastIndex(of: "\n") { text = String(text[...cut]) }
        let acknowledged = text.split(separator: "\n").compactMap { Int64($0) }
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
