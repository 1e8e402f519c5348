@testable import BatchAnnotation
import AnnotationRecord
import Foundation
import LoopbackChatServer
import MediaIO
import Store
import TestSupport
import XCTest

/// `tbd batch` killed with SIGKILL mid-run, then run again, ends with the same database content as a run
/// that was never interrupted: no unit redone, no duplicate rows.
final class BatchKillResumeTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-kill")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func makeTree() throws -> String {
        for actor in ["M003", "W009"] {
            for (emotion, level) in [("neutral", 1), ("sad", 1), ("sad", 3), ("fear", 2)] {
                for clip in ["001", "002"] {
                    let path = folder.appendingPathComponent("mead/\(actor)/video/front/\(emotion)/level_\(level)/\(clip).mp4").path
                    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    let writer = try VideoWriter(path: path, width: 32, height: 32, fps: 25)
                    for _ in 0..<3 { try writer.append(RGBImage(width: 32, height: 32, filledWith: (90, 90, 90))) }
                    _ = try writer.finish()
                }
            }
        }
        return folder.appendingPathComponent("mead").path
    }

    /// Starts `tbd batch mead`; `killAfterUnits` SIGKILLs it once that many progress lines came; returns the exit status.
    private func batch(root: String, server: LoopbackChatServer, database: String, killAfterUnits: Int? = nil) throws -> Int32 {
        let program = try BuiltProgram.start("tbd", [
            "batch", "mead", root, "--endpoint", server.baseURL, "--model", "loopback-model", "--db", database,
            // The clips are flat grey, with no face to find.
            "--concurrency", "1", "--progress-interval", "0", "--no-face-check",
        ], in: folder)
        program.closeInput()
        if let limit = killAfterUnits {
            var progressLines = 0
            while progressLines < limit, let line = program.standardError.readLine() {
                if line.hasPrefix("[") { progressLines += 1 }
            }
            if program.process.isRunning { program.kill(SIGKILL) }
        }
        return program.finish().status
    }

    /// What a run leaves that matters: each unit's prompts and linked clips, and how many annotations exist.
    private func content(_ database: String) throws -> (units: [String: String], annotations: Int) {
        let store = try ProjectStore(path: database)
        var units: [String: String] = [:]
        for (key, record) in try store.batchUnits() {
            guard let id = record.annotationID else { continue }
            let detail = try store.show(id: id)
            let clips = try store.clipLinks(annotationID: id).map(\.clipPath).sorted().joined(separator: ",")
            units[key] = "\(record.status)|\(detail.revisions.last?.coarsePrompt ?? "")|\(detail.revisions.last?.finePrompt ?? "")|\(clips)"
        }
        let counts = try store.statusCounts()
        return (units, counts.pending + counts.approved + counts.rejected)
    }

    func testKilledRunResumesToTheSameDatabaseAsAnUninterruptedOne() throws {
        let server = try LoopbackChatServer { request, _ in .delayed(0.04, .chat(StageReplies.validContent(for: request))) }
        defer { server.stop() }
        let root = try makeTree()
        let reference = folder.appendingPathComponent("reference.sqlite").path
        XCTAssertEqual(try batch(root: root, server: server, database: reference), 0)
        let callsForOneRun = server.chatRequests.count

        let resumed = folder.appendingPathComponent("resumed.sqlite").path
        let killedStatus = try batch(root: root, server: server, database: resumed, killAfterUnits: 3)
        XCTAssertEqual(killedStatus, SIGKILL, "the first run was killed, not finished")
        let partial = try content(resumed)
        XCTAssertGreaterThanOrEqual(partial.units.count, 3)
        XCTAssertLessThan(partial.units.count, 8)
        XCTAssertEqual(partial.annotations, partial.units.count, "no annotation without its unit, none half-written")

        XCTAssertEqual(try batch(root: root, server: server, database: resumed), 0)
        let final = try content(resumed)
        let expected = try content(reference)
        XCTAssertEqual(expected.units.count, 8)
        XCTAssertEqual(final.annotations, 8, "no duplicates")
        // Clip paths and prompts per unit match the uninterrupted run (both runs read the same tree).
        XCTAssertEqual(final.units, expected.units)
        XCTAssertEqual(final.annotations, expected.annotations)
        // Calls answered before the kill are not made again.
        XCTAssertLessThanOrEqual(server.chatRequests.count - callsForOneRun, callsForOneRun + 2)
    }
}
