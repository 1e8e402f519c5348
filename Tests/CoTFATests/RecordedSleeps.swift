import Foundation

/// Records the waits a client asks for instead of sleeping through them, so retry tests stay fast.
final class RecordedSleeps: @unchecked Sendable {
    private let lock = NSLock()
    private var delays: [TimeInterval] = []

    var all: [TimeInterval] { lock.withLock { delays } }

    var sleep: @Sendable (TimeInterval) -> Void {
        { [self] seconds in lock.withLock { delays.append(seconds) } }
    }
}
