import Foundation

/// Runs blocking work (model calls, frame decoding) on a fixed number of dedicated threads: each takes the next
/// index until none is left. Threads rather than Dispatch's pool, because the work blocks on I/O for seconds and
/// must not starve the pool that numerical code uses.
public enum WorkerPool {
    /// Calls `body` once for every index in `0..<count`, on at most `threads` threads; returns when all are done.
    public static func forEach(count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let next = IndexDispenser()
        let group = DispatchGroup()
        for _ in 0..<max(1, min(threads, count)) {
            group.enter()
            Thread.detachNewThread {
                while case let index = next.take(), index < count { body(index) }
                group.leave()
            }
        }
        group.wait()
    }

    /// The results of `body` for every index in `0..<count`, in index order.
    public static func map<Value: Sendable>(count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Value) -> [Value] {
        let slots = ResultSlots<Value>(count: count)
        forEach(count: count, threads: threads) { index in slots.set(index, body(index)) }
        return slots.values
    }
}

/// Hands out 0, 1, 2, ... to worker threads.
private final class IndexDispenser: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take() -> Int {
        lock.withLock {
            defer { value += 1 }
            return value
        }
    }
}

/// Results written by worker threads, one slot per index.
private final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) { lock.withLock { slots[index] = value } }

    var values: [Value] { lock.withLock { slots.map { $0! } } }
}
