import Foundation

/// One stage answered by a model: which, how long it took and how many requests it needed (retries and a repair
/// turn included), so a command can show progress while a slow model answers.
public struct StageProgress: Sendable, Equatable {
    public let index: Int
    public let title: String
    public let seconds: Double
    public let attempts: Int

    /// A line for a terminal: `stage 2 (action units): 12.3 s, 2 requests`.
    public var line: String {
        "stage \(index) (\(title)): \(String(format: "%.1f", seconds)) s" + (attempts > 1 ? ", \(attempts) requests" : "")
    }
}
