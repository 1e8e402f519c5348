/// A metric `tbd eval` may be asked for, by the name the paper's tables use. FVD is a known name not computed yet,
/// refused as such rather than as unknown.
public enum EvaluationMetric: String, CaseIterable, Sendable, Codable {
    case psnr, ssim, cpbd, fid, fvd, lpips, syncnet

    /// Computed by this build.
    public static let available: [EvaluationMetric] = [.psnr, .ssim, .cpbd, .lpips, .fid, .syncnet]

    /// What `--metrics` means when not given: the metrics that need no network weights.
    public static let defaults: [EvaluationMetric] = [.psnr, .ssim, .cpbd]

    /// Needs the converted weights of a network (`EvaluationNetworks`).
    public var needsNetwork: Bool { self == .lpips || self == .fid || self == .syncnet }

    /// Compares each generated frame with its ground-truth frame (CPBD judges the generated frames alone, SyncNet
    /// the generated frames against their own speech).
    public var needsReference: Bool { self != .cpbd && self != .syncnet }

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
}
