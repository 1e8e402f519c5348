/// A metric `tbd eval` may be asked for, by the name the paper's tables use. SyncNet confidence is a known name not
/// computed yet, refused as such rather than as unknown.
public enum EvaluationMetric: String, CaseIterable, Sendable, Codable {
    case psnr, ssim, cpbd, fid, fvd, lpips, syncnet

    /// Computed by this build.
    public static let available: [EvaluationMetric] = [.psnr, .ssim, .cpbd, .lpips, .fid, .fvd]

    /// What `--metrics` means when not given: the metrics that need no network weights.
    public static let defaults: [EvaluationMetric] = [.psnr, .ssim, .cpbd]

    /// Needs the converted weights of a network (`EvaluationNetworks`).
    public var needsNetwork: Bool { self == .lpips || self == .fid || self == .fvd }

    /// Compares each generated frame with its ground-truth frame (CPBD judges the generated frames alone).
    public var needsReference: Bool { self != .cpbd }

    /// NAMES as given (`psnr`, `ssim`, ...), duplicates dropped, in the order given; an unknown name is refused
    /// listing the known ones, a known one this build cannot compute yet is refused as such.
    public static func parse(_ names: [String]) throws -> [EvaluationMetric] {
        var metrics: [EvaluationMetric] = []
        for name in names {
            guard let metric = EvaluationMetric(rawValue: name.lowercased()) else {
                throw EvaluationError("unknown metric '\(name)'; the metrics are \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard available.contains(metric) else {
                throw EvaluationError(
                    "\(metric.rawValue) is not available yet; this build computes \(available.map(\.rawValue).joined(separator: ", "))")
            }
            if !metrics.contains(metric) { metrics.append(metric) }
        }
        guard !metrics.isEmpty else { throw EvaluationError("no metric asked for; the metrics are \(available.map(\.rawValue).joined(separator: ", "))") }
        return metrics
    }

    /// Higher is better for PSNR, SSIM, CPBD and SyncNet confidence; lower for the distances.
    public var higherIsBetter: Bool { [.psnr, .ssim, .cpbd, .syncnet].contains(self) }

    /// The header the paper's tables give the metric, with the direction that is better.
    public var columnTitle: String {
        let name = ["psnr": "PSNR", "ssim": "SSIM", "cpbd": "CPBD", "fid": "FID", "fvd": "FVD", "lpips": "LPIPS", "syncnet": "Sync-C"][rawValue]!
        return name + (higherIsBetter ? " ↑" : " ↓")
    }

    /// Why a report has no value of this metric when it was not among ASKED: not computed by this build, or not asked.
    public func absenceReason(asked: [EvaluationMetric]) -> String {
        if !Self.available.contains(self) { return "\(rawValue): not computed by this build yet" }
        if needsNetwork { return "\(rawValue): not asked for (--metrics \(rawValue), with the converted weights: --weights)" }
        return "\(rawValue): not asked for (--metrics \(rawValue))"
    }
}
