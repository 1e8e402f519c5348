import Foundation

/// The Markdown report of `tbd eval set --report`: the means with their intervals, then one row per clip.
public enum SetEvaluationMarkdown {
    public static func render(_ set: SetEvaluation) -> String {
        var lines = [
            "# Evaluation",
            "",
            "Generated clips: `\(set.generated)`" + (set.reference.map { "; ground truth: `\($0)`" } ?? ""),
            "",
            "| metric | mean over \(set.clips.count) clip\(set.clips.count == 1 ? "" : "s") | 95 % interval |",
            "|---|---|---|",
        ]
        for metric in set.metrics {
            let interval = set.intervals[metric].map { "\(format($0.lower, metric)) – \(format($0.upper, metric))" } ?? "–"
            lines.append("| \(metric.rawValue) | \(format(set.means[metric] ?? .nan, metric)) | \(interval) |")
        }
        lines += [
            "",
            "PSNR and SSIM are averaged over the frames paired by index, CPBD over every generated frame. The interval is a "
                + "percentile bootstrap over clips (\(BootstrapInterval.resamples) resamples, seed \(BootstrapInterval.seed))."
                + (set.metrics.contains { $0 == .fid || $0 == .fvd }
                    ? " FID (over every paired frame) and FVD (over every clip's 16-frame windows) are the set's own values, "
                        + "not means over clips, and have no interval."
                    : ""),
            "",
            "| clip | frames | " + set.metrics.map(\.rawValue).joined(separator: " | ") + " |",
            "|---|---|" + set.metrics.map { _ in "---|" }.joined(),
        ]
        for clip in set.clips {
            let values = set.metrics.map { format(clip.evaluation.metrics[$0] ?? .nan, $0) }
            lines.append("| \(clip.name) | \(clip.evaluation.frames > 0 ? clip.evaluation.frames : clip.evaluation.generatedFrames) | " + values.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// PSNR in dB with 2 decimals (inf for identical frames), the others with 4.
    public static func format(_ value: Double, _ metric: EvaluationMetric) -> String {
        if value == .infinity { return "inf" }
        return String(format: metric == .psnr ? "%.2f" : "%.4f", value)
    }
}
