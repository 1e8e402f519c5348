@testable import BatchAnnotation
import AnnotationRecord
import CoTFA
import FACSKnowledge
import Foundation
import LoopbackChatServer
import MediaIO
import Store
import TestSupport
import XCTest

/// A batch against the loopback chat server: stages shared across units, replies cached across runs.
final class SharedStagesTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("tbd-shared")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Two actors x (neutral 1, happy 1, happy 2), one clip each, each actor's clips a different grey.
    private func makeTree() throws -> String {
        for (actor, shade) in [("M003", UInt8(60)), ("W009", UInt8(190))] {
            for (emotion, level) in [("neutral", 1), ("happy", 1), ("happy", 2)] {
                let path = folder.appendingPathComponent("mead/\(actor)/video/front/\(emotion)/level_\(level)/001.mp4").path
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let writer = try VideoWriter(path: path, width: 32, height: 32, fps: 25)
                for _ in 0..<3 { try writer.append(RGBImage(width: 32, height: 32, filledWith: (shade, shade, shade))) }
                _ = try writer.finish()
            }
        }
        return folder.appendingPathComponent("mead").path
    }

    private func run(_ units: [AnnotationUnit], store: ProjectStore, server: LoopbackChatServer) throws -> (BatchRunner.Summary, CachedTransport.Counts) {
        let frames = try ReferenceFrameCache(directory: folder.appendingPathComponent("frames").path)
        var configuration = try VLMConfiguration(baseURL: server.baseURL, model: "loopback-model")
        configuration.retry.maxAttempts = 1
        let transport = CachedTransport(inner: CurlTransport(maxConcurrentRequests: 4), store: store)
        let pipeline = try CoTFAPipeline(
            table: try FACSTable.bundled(), backend: .remote(ChatClient(configuration: configuration, transport: transport)))
        let annotator = PipelineUnitAnnotator(pipelines: [pipeline], mode: .cot, textOnly: false, units: units, frames: frames)
        let summary = try BatchRunner(store: store, frames: frames, annotator: annotator, concurrency: 4).run(units)
        return (summary, transport.statistics)
    }

    func testStagesAreSharedAndCachedAcrossRuns() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        defer { server.stop() }
        let scan = try MEADScanner().scan(root: try makeTree())
        let store = try ProjectStore(path: folder.appendingPathComponent("tbd.sqlite").path)

        // First run: actor M003 only. Stage I once, stages II-III once per (emotion, level), stage IV per unit.
        let firstPlan = BatchPlan(scan: scan, selection: BatchSelection(actors: ["M003"]), mode: .cot)
        XCTAssertEqual(firstPlan.calls.total, 1 + 2 * 3 + 3)
        let (first, firstCounts) = try run(firstPlan.units, store: store, server: server)
        XCTAssertEqual(first.annotated, 3, "\(first.errors)")
        XCTAssertEqual(server.chatRequests.count, firstPlan.calls.total, "the plan's count is what the server sees")
        XCTAssertEqual(firstCounts.calls, firstPlan.calls.total)
        // Twelve stage requests (4 per unit); stage I repeats for the second and third unit and is answered from the cache.
        XCTAssertEqual(firstCounts.cacheHits, 12 - firstPlan.calls.total)

        // Stage I carries the actor's neutral frame; stages II-III carry no image and no stage I answer.
        let requests = server.chatRequests
        let stageOne = requests.filter { StageReplies.stage(of: $0) == 1 }
        XCTAssertEqual(stageOne.count, 1)
        XCTAssertEqual(stageOne[0].imageURLs(inMessage: 1).count, 1)
        for request in requests where StageReplies.stage(of: request) == 2 || StageReplies.stage(of: request) == 3 {
            XCTAssertFalse(String(decoding: request.body, as: UTF8.self).contains("Stage I - "), "II-III do not depend on the face")
            XCTAssertFalse(String(decoding: request.body, as: UTF8.self).contains("image_url"))
        }
        for request in requests where StageReplies.stage(of: request) == 4 {
            let body = String(decoding: request.body, as: UTF8.self)
            XCTAssertTrue(body.contains("Stage I - ") && body.contains("Stage II - ") && body.contains("Stage III - "), "IV sees every earlier answer")
        }

        // Second run, every actor: M003's units are done; W009 needs its own stage I and IV, II-III come from the cache.
        let secondPlan = BatchPlan(scan: scan, selection: BatchSelection(), mode: .cot, done: Set(try store.batchUnits().keys))
        XCTAssertEqual(secondPlan.unitsAlreadyDone, 3)
        let (second, secondCounts) = try run(secondPlan.units, store: store, server: server)
        XCTAssertEqual(second.annotated, 3, "\(second.errors)")
        XCTAssertEqual(second.alreadyDone, 3)
        XCTAssertEqual(secondCounts.calls, 1 + 3)
        XCTAssertEqual(secondCounts.cacheHits, 12 - 4)
        XCTAssertEqual(server.chatRequests.count, firstPlan.calls.total + 4)
        XCTAssertEqual(try store.statusCounts().pending, 6)
        let stored = try store.list(filter: ReviewFilter(status: nil), limit: 10)
        XCTAssertEqual(Set(stored.map(\.emotion)), ["neutral", "happy"])
    }
}
