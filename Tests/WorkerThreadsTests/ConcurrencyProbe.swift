import Foundation

/// Records which indices a pool's bodies ran and the most that ran at once. Each body holds until `target` bodies
/// run together (or a shared deadline passes), so a pool that honours its thread count reaches it for certain,
/// rather than only when the scheduler happens to overlap them.
final class ConcurrencyProbe: @unchecked Sendable {
    private let condition = NSCondition()
    private let target: Int
    private let deadline: Date
    private var running = 0
    private var highest = 0
    private var indices: [Int] = []

    init(target: Int, timeout: TimeInterval = 10) {
        self.target = target
        deadline = Date(timeIntervalSinceNow: timeout)
    }

    /// The most bodies that were inside `run` at the same time.
    var peak: Int { condition.withLock { highest } }

    /// Every index that ran, in the order they started.
    var started: [Int] { condition.withLock { indices } }

    func run(_ index: Int) {
        condition.lock()
        indices.append(index)
        running += 1
        highest = max(highest, running)
        condition.broadcast()
        while highest < target, condition.wait(until: deadline) {}
        condition.unlock()
        // Stay counted a little longer, so a pool running one thread too many shows it in `peak`.
        Thread.sleep(forTimeInterval: 0.01)
        condition.withLock { running -= 1 }
    }
}
