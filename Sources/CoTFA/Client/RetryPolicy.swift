import Foundation

/// Exponential backoff with jitter, and the server's `Retry-After` when it sends one.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval
    /// A `Retry-After` longer than this fails the request rather than stalling the batch.
    public var maxRetryAfter: TimeInterval

    public init(maxAttempts: Int = 4, baseDelay: TimeInterval = 0.5, maxDelay: TimeInterval = 20, maxRetryAfter: TimeInterval = 120) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): half the exponential step fixed, half random,
    /// so clients that failed together do not come back together.
    public func backoff(afterAttempt attempt: Int, unitRandom: Double) -> TimeInterval {
        let exponential = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return exponential / 2 + exponential / 2 * min(max(unitRandom, 0), 1)
    }

    /// The largest wait a `Retry-After` value is read as. A header comes from the server: "inf", "nan", "1e400"
    /// or a 20-digit number must give a finite number that later arithmetic and conversions cannot trap on.
    public static let retryAfterCeiling: TimeInterval = 1_000_000_000

    /// Seconds from a `Retry-After` value: delta-seconds (digits only, as RFC 9110 defines them; longer numbers
    /// are capped at `retryAfterCeiling`) or an HTTP date. Anything else ("inf", "-1", "1e9", "0x10") is nil.
    public static func retryAfterSeconds(_ value: String, now: Date = Date()) -> TimeInterval? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            // At most ten significant digits are read, so the conversion never sees a number it cannot hold.
            let significant = trimmed.drop { $0 == "0" }
            guard significant.count <= 10, let seconds = Double(significant.isEmpty ? "0" : String(significant)) else {
                return retryAfterCeiling
            }
            return min(seconds, retryAfterCeiling)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        let seconds = date.timeIntervalSince(now)
        guard seconds.isFinite else { return nil }
        return min(max(0, seconds), retryAfterCeiling)
    }
}
