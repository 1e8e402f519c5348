import Foundation

/// A barrier for a server's responder: holds the first request until a second one arrives while it waits, which
/// only a client sending requests concurrently can do; then it stays open. A client sending one request at a time
/// leaves the first waiting until `timeout`, after which nothing waits and `met` stays empty. Keep `timeout` below
/// the client's request timeout, or the client's retry of the held request would arrive as the second one.
final class OverlapGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrivals: [String] = []
    private var opened = false
    private var gaveUp = false
    private let timeout: TimeInterval

    init(timeout: TimeInterval) { self.timeout = timeout }

    /// The labels of the two requests that were inside the responder at once; empty when none were.
    var met: [String] { condition.withLock { opened ? arrivals : [] } }

    /// Called by the responder with a label for the request (which item it belongs to).
    func arrive(_ label: String) {
        condition.lock()
        defer { condition.unlock() }
        guard !opened && !gaveUp else { return }
        // Before the gate opens or gives up, the first arrival is still waiting: a second one means two at once.
        arrivals.append(label)
        if arrivals.count == 2 {
            opened = true
            condition.broadcast()
            return
        }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !opened {
            if !condition.wait(until: deadline) {
                gaveUp = true
                break
            }
        }
    }
}
