import Foundation

/// What `tbd render status` shows: the queue's counts, who holds what, each worker's work, the throughput over the
/// last minutes and the finish it points to. Worked out from the items alone, at one moment.
public struct RenderQueueStatus: Codable, Sendable, Equatable {
    public struct Lease: Codable, Sendable, Equatable {
        public var itemID: Int64
        public var annotationID: Int64
        public var revision: Int
        public var worker: String
        public var since: Date
        public var expiresAt: Date
    }

    public struct Worker: Codable, Sendable, Equatable {
        public var name: String
        public var done: Int
        public var failed: Int
        /// The items it holds under a live lease.
        public var holding: [Int64]
        /// When it last took or finished an item.
        public var lastSeen: Date
    }

    /// Waiting includes items whose lease ran out (`expired` of them), which any worker takes next.
    public var waiting: Int
    public var expired: Int
    public var leased: Int
    public var done: Int
    public var failed: Int
    public var leases: [Lease]
    public var workers: [Worker]
    /// The minutes the throughput is measured over, and the items finished done in them.
    public var windowMinutes: Double
    public var doneInWindow: Int
    /// The part of the window the farm has been working: from the window's start, or from the first lease in it when
    /// the work began later, so a run younger than the window is not averaged over minutes it did not exist.
    public var workedMinutes: Double
    public var itemsPerMinute: Double
    /// When the waiting and leased items are done at that rate; nil with nothing left, or nothing done lately.
    public var estimatedFinish: Date?
    public var failures: [Failure]

    public struct Failure: Codable, Sendable, Equatable {
        public var itemID: Int64
        public var annotationID: Int64
        public var error: String
    }

    public init(items: [RenderItem], at time: Date, windowMinutes: Double = 10) {
        let live = items.filter { $0.status == .leased && !$0.isWaiting(at: time) }
        waiting = items.filter { $0.isWaiting(at: time) }.count
        expired = items.filter { $0.status == .leased && $0.isWaiting(at: time) }.count
        leased = live.count
        done = items.filter { $0.status == .done }.count
        failed = items.filter { $0.status == .failed }.count
        leases = live.map {
            Lease(itemID: $0.id, annotationID: $0.annotationID, revision: $0.revision, worker: $0.worker ?? "",
                  since: $0.leasedAt ?? $0.createdAt, expiresAt: $0.leaseExpiresAt ?? time)
        }
        var byWorker: [String: Worker] = [:]
        for item in items {
            guard let name = item.worker else { continue }
            var worker = byWorker[name] ?? Worker(name: name, done: 0, failed: 0, holding: [], lastSeen: .distantPast)
            if item.status == .done { worker.done += 1 }
            if item.status == .failed { worker.failed += 1 }
            if live.contains(where: { $0.id == item.id }) { worker.holding.append(item.id) }
            worker.lastSeen = max(worker.lastSeen, item.finishedAt ?? item.leasedAt ?? item.createdAt)
            byWorker[name] = worker
        }
        workers = byWorker.values.sorted { $0.name < $1.name }
        self.windowMinutes = windowMinutes
        let since = time.addingTimeInterval(-windowMinutes * 60)
        doneInWindow = items.filter { $0.status == .done && ($0.finishedAt ?? .distantPast) >= since }.count
        let firstLease = items.compactMap(\.leasedAt).min() ?? time
        workedMinutes = max(0, time.timeIntervalSince(max(since, firstLease)) / 60)
        itemsPerMinute = doneInWindow > 0 && workedMinutes > 0 ? Double(doneInWindow) / workedMinutes : 0
        let left = waiting + leased
        estimatedFinish = left > 0 && itemsPerMinute > 0 ? time.addingTimeInterval(Double(left) / itemsPerMinute * 60) : nil
        failures = items.filter { $0.status == .failed }.map { Failure(itemID: $0.id, annotationID: $0.annotationID, error: $0.error ?? "") }
    }
}
