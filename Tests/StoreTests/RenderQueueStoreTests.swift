import Foundation
import GRDB
import Store
import TestSupport
import XCTest

/// The render farm's queue (`render_item`, migration v9): queued once per pair and settings, taken under expiring
/// leases, renewed, finished with its render, failed, given back; on both backends.
class RenderQueueStoreTests: StoreBackendTestCase {
    private let settings = String(repeating: "a", count: 64)

    /// A store with `count` approved annotations, and their (annotation, revision) pairs.
    private func approvedStore(_ count: Int, clock: TestClock? = nil) throws -> (ProjectStore, [(annotationID: Int64, revision: Int)]) {
        let store = try makeStore(clock: clock)
        let ids = try store.addAnnotations((0..<count).map { sampleAnnotation($0) })
        for id in ids { try store.approve(id: id, curator: "ann") }
        return (store, ids.map { ($0, 1) })
    }

    /// A done render of the item's pair, as a worker records it before finishing the item.
    private func doneRender(_ store: ProjectStore, _ item: RenderItem) throws -> Int64 {
        let id = try store.startRender(
            NewRender(annotationID: item.annotationID, revision: item.revision, parametersJSON: #"{"steps":2}"#, seed: 0, modelPath: "/m"),
            isAbandoned: false)
        try store.finishRender(id: id, outputs: RenderOutputs(video: "/o/a.mp4", firstFrame: "/o/a.png", contactSheet: "/o/s.png", manifest: "/o/a.json"),
                               timings: RenderTimings(seconds: 1))
        return id
    }

    func testQueueingIsIdempotentPerSettingsAndRefusesAnUnknownRevision() throws {
        let (store, pairs) = try approvedStore(3)
        XCTAssertEqual(try store.enqueueRenders(pairs, settingsHash: settings), 3)
        XCTAssertEqual(try store.enqueueRenders(pairs, settingsHash: settings), 0, "the same pairs and settings are queued once")
        XCTAssertEqual(try store.enqueueRenders(pairs, settingsHash: "b"), 3, "other settings have a queue of their own")
        XCTAssertEqual(try store.renderItems(settingsHash: settings).map(\.status), [.waiting, .waiting, .waiting])
        XCTAssertEqual(try store.renderItems().count, 6)
        XCTAssertThrowsError(try store.enqueueRenders([(pairs[0].annotationID, 7)], settingsHash: settings), "revision 7 does not exist")
        XCTAssertThrowsError(try store.enqueueRenders(pairs, settingsHash: ""))
        XCTAssertEqual(try store.renderItems().count, 6, "a refused call adds nothing")
    }

    func testEachItemGoesToOneWorkerUntilItsLeaseRunsOutThenAnotherTakesItOver() throws {
        let clock = TestClock()
        let (store, pairs) = try approvedStore(2, clock: clock)
        try store.enqueueRenders(pairs, settingsHash: settings)
        let first = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w1", lease: 60))
        let second = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w2", lease: 60))
        XCTAssertNotEqual(first.id, second.id)
        XCTAssertEqual(first.status, .leased)
        XCTAssertEqual(first.worker, "w1")
        XCTAssertEqual(first.attempts, 1)
        XCTAssertEqual(first.leaseExpiresAt, clock.now.addingTimeInterval(60))
        XCTAssertNil(try store.takeRenderItem(settingsHash: settings, worker: "w3", lease: 60), "both are held")
        XCTAssertNil(try store.takeRenderItem(settingsHash: "other", worker: "w3", lease: 60), "another settings' queue is empty")

        clock.advance(50)
        XCTAssertEqual(try store.renewRenderLease(itemID: first.id, worker: "w1", lease: 60).leaseExpiresAt, clock.now.addingTimeInterval(60))
        clock.advance(20)  // w1 renewed 20 s ago; w2's lease ran out 10 s ago
        let takenOver = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w3", lease: 60))
        XCTAssertEqual(takenOver.id, second.id, "the expired lease is taken over, the renewed one is not")
        XCTAssertEqual(takenOver.worker, "w3")
        XCTAssertEqual(takenOver.attempts, 2)
        XCTAssertThrowsError(try store.renewRenderLease(itemID: second.id, worker: "w2", lease: 60)) { error in
            guard case StoreError.renderLeaseLost(let id, "w2") = error else { return XCTFail("\(error)") }
            XCTAssertEqual(id, second.id)
        }
        let render = try doneRender(store, takenOver)
        XCTAssertThrowsError(try store.finishRenderItem(itemID: second.id, worker: "w2", renderID: render), "w2 lost it")
        try store.finishRenderItem(itemID: second.id, worker: "w3", renderID: render)
        let done = try XCTUnwrap(try store.renderItems(settingsHash: settings).first { $0.id == second.id })
        XCTAssertEqual(done.status, .done)
        XCTAssertEqual(done.renderID, render)
        XCTAssertEqual(done.finishedAt, clock.now)
        XCTAssertNil(done.leaseExpiresAt)
        XCTAssertThrowsError(try store.finishRenderItem(itemID: second.id, worker: "w3", renderID: render), "a done item is not finished twice")
    }

    func testFinishingNeedsADoneRenderAndAFailedItemCanBePutBack() throws {
        let (store, pairs) = try approvedStore(2)
        try store.enqueueRenders(pairs, settingsHash: settings)
        let item = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w1", lease: 60))
        let running = try store.startRender(
            NewRender(annotationID: item.annotationID, revision: 1, parametersJSON: "{}", seed: 0, modelPath: "/m"), isAbandoned: false)
        XCTAssertThrowsError(try store.finishRenderItem(itemID: item.id, worker: "w1", renderID: running), "a running render finishes nothing")
        XCTAssertEqual(try store.renderItems().first { $0.id == item.id }?.status, .leased)

        try store.failRenderItem(itemID: item.id, worker: "w1", reason: "rendering failed: out of memory")
        var failed = try XCTUnwrap(try store.renderItems().first { $0.id == item.id })
        XCTAssertEqual(failed.status, .failed)
        XCTAssertEqual(failed.error, "rendering failed: out of memory")
        let other = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w1", lease: 60))
        XCTAssertNotEqual(other.id, item.id, "a failed item is not taken again")
        try store.releaseRenderItem(itemID: other.id, worker: "w1")
        let released = try XCTUnwrap(try store.renderItems().first { $0.id == other.id })
        XCTAssertEqual(released.status, .waiting)
        XCTAssertNil(released.worker)

        XCTAssertEqual(try store.enqueueRenders(pairs, settingsHash: settings, retryFailed: true), 1, "the failed item is put back")
        failed = try XCTUnwrap(try store.renderItems().first { $0.id == item.id })
        XCTAssertEqual(failed.status, .waiting)
        XCTAssertNil(failed.error)
        XCTAssertThrowsError(try store.takeRenderItem(settingsHash: settings, worker: "", lease: 60))
        XCTAssertThrowsError(try store.takeRenderItem(settingsHash: settings, worker: "w\u{1b}[2J", lease: 60))
        XCTAssertThrowsError(try store.takeRenderItem(settingsHash: settings, worker: "w1", lease: 0))
    }

    func testARenderIsRecordedDoneWithItsItemOnlyWhileTheWorkerHoldsIt() throws {
        let clock = TestClock()
        let (store, pairs) = try approvedStore(1, clock: clock)
        try store.enqueueRenders(pairs, settingsHash: settings)
        let item = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w1", lease: 10))
        let outputs = RenderOutputs(video: "/o/a.mp4", firstFrame: "/o/a.png", contactSheet: "/o/s.png", manifest: "/o/a.json")
        func start() throws -> Int64 {
            try store.startRender(NewRender(annotationID: item.annotationID, revision: 1, parametersJSON: "{}", seed: 0, modelPath: "/m"), isAbandoned: false)
        }
        let late = try start()
        clock.advance(11)
        _ = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w2", lease: 10), "w1's lease ran out")
        XCTAssertThrowsError(try store.finishRender(id: late, outputs: outputs, timings: RenderTimings(), renderItem: (item.id, "w1"))) { error in
            guard case StoreError.renderLeaseLost = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try store.renders(status: .running).map(\.id), [late], "neither the render nor the item changed")
        XCTAssertEqual(try store.renderItems().first?.worker, "w2")

        let own = try start()
        try store.finishRender(id: own, outputs: outputs, timings: RenderTimings(seconds: 2), renderItem: (item.id, "w2"))
        XCTAssertEqual(try store.renders(status: .done).map(\.id), [own])
        let done = try XCTUnwrap(try store.renderItems().first)
        XCTAssertEqual(done.status, .done)
        XCTAssertEqual(done.renderID, own)
        XCTAssertEqual(try store.integrityProblems(), [])
        // The check sees a done item pointing at a render that is not done (a change made behind the store's back).
        let tamper = "UPDATE render_item SET render_id = \(late) WHERE id = \(item.id)"
        if isPostgres { _ = try TestPostgresCluster.psql(store.path, tamper) } else { try DatabaseQueue(path: store.path).write { try $0.execute(sql: tamper) } }
        XCTAssertEqual(try store.integrityProblems(), ["1 done render items whose render is not a done render of their pair"])
    }

    func testConcurrentWorkersOnTheirOwnConnectionsNeverTakeTheSameItem() throws {
        let location = try makeStoreLocation()
        let setup = try ProjectStore(path: location)
        let ids = try setup.addAnnotations((0..<24).map { sampleAnnotation($0) })
        for id in ids { try setup.approve(id: id, curator: "ann") }
        try setup.enqueueRenders(ids.map { ($0, 1) }, settingsHash: settings)
        let lock = NSLock()
        var taken: [Int64] = []
        var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                let store = try ProjectStore(path: location)
                while let item = try store.takeRenderItem(settingsHash: settings, worker: "w\(worker)", lease: 600) {
                    lock.withLock { taken.append(item.id) }
                }
            } catch {
                lock.withLock { errors.append("\(error)") }
            }
        }
        XCTAssertEqual(errors, [])
        XCTAssertEqual(taken.count, 24)
        XCTAssertEqual(Set(taken).count, 24, "no item went to two workers")
    }

    func testStatusCountsLeasesWorkersThroughputAndTheFinish() throws {
        let clock = TestClock()
        let (store, pairs) = try approvedStore(5, clock: clock)
        try store.enqueueRenders(pairs, settingsHash: settings)
        for _ in 0..<2 {
            let item = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w1", lease: 60))
            clock.advance(30)
            try store.finishRenderItem(itemID: item.id, worker: "w1", renderID: try doneRender(store, item))
        }
        let held = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w2", lease: 600))
        let failing = try XCTUnwrap(try store.takeRenderItem(settingsHash: settings, worker: "w2", lease: 600))
        try store.failRenderItem(itemID: failing.id, worker: "w2", reason: "no reference")
        let status = RenderQueueStatus(items: try store.renderItems(), at: clock.now, windowMinutes: 10)
        XCTAssertEqual([status.waiting, status.expired, status.leased, status.done, status.failed], [1, 0, 1, 2, 1])
        XCTAssertEqual(status.leases.map(\.worker), ["w2"])
        XCTAssertEqual(status.leases.first?.itemID, held.id)
        XCTAssertEqual(status.workers.map(\.name), ["w1", "w2"])
        XCTAssertEqual(status.workers.map(\.done), [2, 0])
        XCTAssertEqual(status.workers.map(\.failed), [0, 1])
        XCTAssertEqual(status.workers.last?.holding, [held.id])
        XCTAssertEqual(status.doneInWindow, 2)
        // Two done in the one minute since the first lease, not averaged over the ten-minute window the farm is
        // younger than: two a minute, and two left (one waiting, one leased) take one minute.
        XCTAssertEqual(status.workedMinutes, 1, accuracy: 1e-9)
        XCTAssertEqual(status.itemsPerMinute, 2, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(status.estimatedFinish).timeIntervalSince(clock.now), 60, accuracy: 1e-6)
        // Once the farm is older than the window, the window is what the rate is measured over.
        clock.advance(540)
        let old = RenderQueueStatus(items: try store.renderItems(), at: clock.now, windowMinutes: 10)
        XCTAssertEqual(old.workedMinutes, 10, accuracy: 1e-9)
        XCTAssertEqual(old.itemsPerMinute, 0.2, accuracy: 1e-9)
        clock.advance(-540)
        XCTAssertEqual(status.failures.map(\.error), ["no reference"])

        clock.advance(601)
        let later = RenderQueueStatus(items: try store.renderItems(), at: clock.now, windowMinutes: 10)
        XCTAssertEqual([later.waiting, later.expired, later.leased], [2, 1, 0], "an expired lease counts as waiting")
        XCTAssertEqual(later.doneInWindow, 0)
        XCTAssertNil(later.estimatedFinish, "nothing done lately: no estimate")
    }
}

final class RenderQueueStoreOnPostgresTests: RenderQueueStoreTests {
    override class var backend: Backend { .postgres }
    override func testQueueingIsIdempotentPerSettingsAndRefusesAnUnknownRevision() throws {
        try super.testQueueingIsIdempotentPerSettingsAndRefusesAnUnknownRevision()
    }
    override func testEachItemGoesToOneWorkerUntilItsLeaseRunsOutThenAnotherTakesItOver() throws {
        try super.testEachItemGoesToOneWorkerUntilItsLeaseRunsOutThenAnotherTakesItOver()
    }
    override func testFinishingNeedsADoneRenderAndAFailedItemCanBePutBack() throws {
        try super.testFinishingNeedsADoneRenderAndAFailedItemCanBePutBack()
    }
    override func testARenderIsRecordedDoneWithItsItemOnlyWhileTheWorkerHoldsIt() throws {
        try super.testARenderIsRecordedDoneWithItsItemOnlyWhileTheWorkerHoldsIt()
    }
    override func testConcurrentWorkersOnTheirOwnConnectionsNeverTakeTheSameItem() throws {
        try super.testConcurrentWorkersOnTheirOwnConnectionsNeverTakeTheSameItem()
    }
    override func testStatusCountsLeasesWorkersThroughputAndTheFinish() throws {
        try super.testStatusCountsLeasesWorkersThroughputAndTheFinish()
    }
}
