/// A group of clips summarised metric by metric: the mean over clips with its bootstrap interval, FID as the
/// group's own (the Inception features of every paired frame of every clip, pooled), FVD likewise (the I3D features
/// of every clip's 16-frame windows), and, for a metric the group
/// could not give a value for, the reason. `eval set` summarises its clips this way, and so do the rows of
/// `eval renders` and `eval ablation`.
public struct MetricSummary: Sendable, Encodable {
    public let label: String
    public let clips: Int
    public let metrics: [EvaluationMetric]
    public let means: MetricValues
    /// Per metric, nil where a value is infinite (and for FID and FVD, which are not means of clips).
    public let intervals: [EvaluationMetric: BootstrapInterval]
    /// Why a metric asked for has no value in this group (FID over too few frames, say).
    public let missing: [EvaluationMetric: String]

    public init(label: String, clips: Int, metrics: [EvaluationMetric], means: MetricValues,
                intervals: [EvaluationMetric: BootstrapInterval], missing: [EvaluationMetric: String] = [:]) {
        (self.label, self.clips, self.metrics, self.means, self.intervals, self.missing) = (label, clips, metrics, means, intervals, missing)
    }

    /// The same summary under another label.
    public func relabelled(_ newLabel: String) -> MetricSummary {
        MetricSummary(label: newLabel, clips: clips, metrics: metrics, means: means, intervals: intervals, missing: missing)
    }

    /// The metrics that are the group's own, not a mean of its clips: the features of every clip, pooled.
    static let pooledFeatures: [EvaluationMetric: KeyPath<ClipEvaluation, (generated: [[Float]], reference: [[Float]])?>] = [
        .fid: \.fidFeatures, .fvd: \.fvdFeatures,
    ]

    /// Summarises CLIPS, each scored with (at least) METRICS. `strictPooled` throws when a pooled FID or FVD cannot be
    /// computed (`eval set` refuses); otherwise the reason is kept under `missing`.
    public static func summarize(label: String, clips: [ClipEvaluation], metrics: [EvaluationMetric], strictPooled: Bool = false) throws -> MetricSummary {
        var means: [(metric: EvaluationMetric, value: Double)] = []
        var intervals: [EvaluationMetric: BootstrapInterval] = [:]
        var missing: [EvaluationMetric: String] = [:]
        for metric in metrics {
            if let pooled = Self.pooledFeatures[metric] {
                let features = clips.compactMap { $0[keyPath: pooled] }
                do {
                    means.append((metric, try FrechetDistance.compute(features.flatMap(\.generated), features.flatMap(\.reference))))
                } catch {
                    if strictPooled { throw error }
                    missing[metric] = "\(error)"
                }
                continue
            }
            let values = clips.compactMap { $0.metrics[metric] }
            guard !values.isEmpty else {
                missing[metric] = "no clip has a value"
                continue
            }
            means.append((metric, values.reduce(0, +) / Double(values.count)))
            intervals[metric] = BootstrapInterval(values: values)
        }
        return MetricSummary(label: label, clips: clips.count, metrics: metrics, means: MetricValues(means), intervals: intervals, missing: missing)
    }

    private enum CodingKeys: String, CodingKey { case label, clips, means, intervals, infiniteMetrics, missing }

    /// `{"label", "clips", "means": {metric: value}, "intervals": {metric: [lower, upper]}, "infinite_metrics", "missing"}`:
    /// the shape `tbd eval compare` reads.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(label, forKey: .label)
        try container.encode(clips, forKey: .clips)
        try container.encode(means, forKey: .means)
        try container.encode(means.infiniteMetrics.map(\.rawValue), forKey: .infiniteMetrics)
        var intervalContainer = container.nestedContainer(keyedBy: MetricValues.MetricKey.self, forKey: .intervals)
        for metric in metrics where means[metric] != nil {
            try intervalContainer.encode(intervals[metric], forKey: MetricValues.MetricKey(metric))
        }
        var missingContainer = container.nestedContainer(keyedBy: MetricValues.MetricKey.self, forKey: .missing)
        for metric in metrics { if let reason = missing[metric] { try missingContainer.encode(reason, forKey: MetricValues.MetricKey(metric)) } }
    }
}
