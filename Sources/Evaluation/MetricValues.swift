/// Metric values in the order they were asked for. A value may be +infinity (the PSNR of identical frames, and so
/// any mean that includes one); JSON cannot hold that, so it is written as null and the metric's name is listed
/// under `infinite_metrics`.
public struct MetricValues: Sendable, Equatable, Encodable {
    public let entries: [(metric: EvaluationMetric, value: Double)]

    public init(_ entries: [(metric: EvaluationMetric, value: Double)]) {
        self.entries = entries
    }

    public subscript(metric: EvaluationMetric) -> Double? {
        entries.first { $0.metric == metric }?.value
    }

    public var infiniteMetrics: [EvaluationMetric] {
        entries.filter { !$0.value.isFinite }.map(\.metric)
    }

    public static func == (lhs: MetricValues, rhs: MetricValues) -> Bool {
        lhs.entries.map(\.metric) == rhs.entries.map(\.metric) && lhs.entries.map(\.value) == rhs.entries.map(\.value)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: MetricKey.self)
        for (metric, value) in entries {
            if value.isFinite {
                try container.encode(value, forKey: MetricKey(metric))
            } else {
                try container.encodeNil(forKey: MetricKey(metric))
            }
        }
    }

    struct MetricKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ metric: EvaluationMetric) { stringValue = metric.rawValue }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
