import Foundation

/// Progress on stderr: a redrawn bar with done / failed / remaining, rate and ETA on a terminal, and one plain
/// line per interval when stderr is a file or pipe (logs stay readable).
public final class BatchProgress: @unchecked Sendable {
    public let total: Int
    private let lock = NSLock()
    private var done = 0
    private var failed = 0
    private let started = Date()
    private var lastDraw = Date.distantPast
    private let interactive: Bool
    private let interval: TimeInterval
    private let write: @Sendable (String) -> Void

    public init(total: Int, interactive: Bool = isatty(STDERR_FILENO) == 1, interval: TimeInterval? = nil,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.total = total
        self.interactive = interactive
        self.interval = interval ?? (interactive ? 0.1 : 10)
        self.write = write
    }

    public func unitFinished(failed didFail: Bool) {
        lock.lock()
        if didFail { failed += 1 } else { done += 1 }
        let now = Date()
        let due = now.timeIntervalSince(lastDraw) >= interval || done + failed == total
        if due { lastDraw = now }
        let line = due ? render(now: now) : nil
        lock.unlock()
        if let line { write(interactive ? "\r\u{1B}[2K" + line : line + "\n") }
    }

    /// Ends the bar's line on a terminal.
    public func finish() {
        if interactive { write("\n") }
    }

    /// "[#######.......] 120/300 done 118, failed 2, left 180 | 4.1/s | ETA 44 s"
    func render(now: Date) -> String {
        let finished = done + failed
        let elapsed = max(now.timeIntervalSince(started), 1e-3)
        let rate = Double(finished) / elapsed
        let left = total - finished
        let eta = rate > 0 ? PlanReport.duration(Double(left) / rate) : "?"
        let width = 24
        let filled = total == 0 ? width : width * finished / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return String(format: "[%@] %d/%d done %d, failed %d, left %d | %.1f/s | ETA %@", bar, finished, total, done, failed, left, rate, eta)
    }
}
