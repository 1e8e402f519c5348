import Store
import FACSKnowledge
import Foundation

/// Times the operations a curator waits on, on a database of `items` synthetic annotations.
public enum ReviewBenchmark {
    public struct Timing: Codable, Sendable {
        public var name: String
        public var runs: Int
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var targetMilliseconds: Double?
    }

    public struct Report: Codable, Sendable {
        public var items: Int
        public var seedSeconds: Double
        public var databaseBytes: Int64
        public var timings: [Timing]
    }

    /// Seeds a fresh database at `path` (removing an old one) and measures claim, list, redraw and key handling.
    public static func run(path: String, items: Int, runs: Int = 500) throws -> Report {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        // Opened as the terminal queue opens it: checkpoints while idle, never on a key press.
        let store = try ProjectStore(path: path, options: .init(automaticCheckpoints: false))
        let table = try? FACSTable.bundled()
        let seedStart = Date()
        var index = 0
        while index < items {
            let batch = (index..<min(items, index + 5000)).map { SyntheticAnnotations.make($0, table: table) }
            _ = try store.addAnnotations(batch)
            index += batch.count
        }
        let seedSeconds = Date().timeIntervalSince(seedStart)
        var timings: [Timing] = []

        var lastClaim: Int64?
        timings.append(try measure("claim next (lease write)", runs: runs, target: 5) {
            lastClaim = try store.claimNext(curator: "bench-claimer", after: lastClaim)?.annotationID
        })
        let filters = [
            try ReviewFilter.parse("emotion=happy level=3"),
            try ReviewFilter.parse("actor=W017 status=any"),
            try ReviewFilter.parse("backend=offline-facs-rules findings=yes"),
        ]
        var step = 0
        timings.append(try measure("filtered list, 50 rows", runs: runs, target: 50) {
            let filter = filters[step % filters.count]
            step += 1
            _ = try store.list(filter: filter, limit: 50, after: Int64((step * 7919) % max(1, items)))
        })
        let session = ReviewSession(store: store, curator: "bench-curator")
        session.start()
        let screen = ReviewScreen(width: 80, height: 24, color: .trueColor, picture: nil, table: table)
        var frameBytes = 0
        timings.append(try measure("one redraw at 80x24 (to a string)", runs: runs, target: 16) {
            frameBytes += screen.frame(session).utf8.count
        })
        timings.append(try measure("key s: skip, claim next, load, redraw", runs: runs, target: 16) {
            _ = session.handle(.character("s"))
            frameBytes += screen.frame(session).utf8.count
        })
        timings.append(try measure("key a: approve, claim next, load, redraw", runs: runs, target: 16) {
            _ = session.handle(.character("a"))
            frameBytes += screen.frame(session).utf8.count
        })
        // The key and the checkpoint that follows it once the curator pauses (the checkpoint runs while no key waits).
        timings.append(try measure("key a, then the idle checkpoint", runs: min(runs, 100), target: nil) {
            _ = session.handle(.character("a"))
            session.idle()
        })
        let problems = try store.integrityProblems()
        guard problems.isEmpty, frameBytes > 0 else {
            throw StoreError.invalidInput("benchmark database is inconsistent: \(problems.joined(separator: "; "))")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        return Report(items: items, seedSeconds: seedSeconds, databaseBytes: size, timings: timings)
    }

    private static func measure(_ name: String, runs: Int, target: Double?, _ body: () throws -> Void) throws -> Timing {
        for _ in 0..<min(20, runs) { try body() }
        var samples: [Double] = []
        samples.reserveCapacity(runs)
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        samples.sort()
        func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int((Double(samples.count) * p).rounded(.up)) - 1)] }
        return Timing(name: name, runs: runs, p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99), targetMilliseconds: target)
    }
}
