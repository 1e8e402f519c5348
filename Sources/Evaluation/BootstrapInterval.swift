/// A 95 % percentile-bootstrap interval of a mean over clips: 1,000 resamples of the clips with replacement, drawn
/// by SplitMix64 from seed 0 (so the same values give the same interval on every run), and the 2.5th and 97.5th
/// percentiles of the resampled means, interpolated linearly between order statistics (NumPy's default).
public struct BootstrapInterval: Sendable, Equatable, Encodable {
    public let lower: Double
    public let upper: Double

    public static let resamples = 1000
    public static let seed: UInt64 = 0
    public static let level = 0.95

    /// An interval read back from a report.
    public init(lower: Double, upper: Double) {
        (self.lower, self.upper) = (lower, upper)
    }

    /// Nil for no values, or when a value is not finite (the mean is then infinite, and so is any resample).
    public init?(values: [Double]) {
        guard !values.isEmpty, values.allSatisfy(\.isFinite) else { return nil }
        var generator = SplitMix64(state: Self.seed)
        var means: [Double] = []
        means.reserveCapacity(Self.resamples)
        for _ in 0..<Self.resamples {
            var sum = 0.0
            for _ in values.indices { sum += values[Int(generator.next() % UInt64(values.count))] }
            means.append(sum / Double(values.count))
        }
        means.sort()
        lower = Self.percentile(means, (1 - Self.level) / 2)
        upper = Self.percentile(means, 1 - (1 - Self.level) / 2)
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        let position = fraction * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(lower)
        try container.encode(upper)
    }

    /// Steele, Lea and Flood's generator: small, fast and the same on every platform.
    struct SplitMix64 {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
