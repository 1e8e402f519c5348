/// A metric `tbd eval` may be asked for, by the name the paper's tables use.
public enum EvaluationMetric: String, CaseIterable, Sendable, Codable {
    case psnr, ssim, cpbd, fid, fvd, lpips, syncnet

    /// What `--metrics` means when not given: the metrics that need no network weights.
    public static let defaults: [EvaluationMetric] = [.psnr, .ssim, .cpbd]

    /// Needs the converted weights of a network (`EvaluationNetworks`).
    public var needsNetwork: Bool { self != .psnr && self != .ssim && self != .cpbd }

    /// Compares each generated frame with its ground-truth frame (CPBD judges the generated frames alone, SyncNet
    /// the generated frames against their own speech).
    public var needsReference: Bool { self != .cpbd && self != .syncnet }

    /// NAMES as given (`psnr`, `ssim`, ...), duplicates dropped, in the order given; an unknown name is refused
    /// listing the known ones.
    public static func parse(_ names: [String]) throws -> [EvaluationMetric] {
        var metrics: [EvaluationMetric] = []
        for name in names {
            guard let metric = EvaluationMetric(rawValue: name.lowercased()) else {
                throw EvaluationError("unknown metric '\(name)'; the metrics are \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !metrics.contains(metric) { metrics.append(metric) }
        }
        guard !metrics.isEmpty else { throw EvaluationError("no metric asked for; the metrics are \(allCases.map(\.rawValue).joined(separator: ", "))") }
        return metrics
    }

    /// Higher is better for PSNR, SSIM, CPBD and SyncNet confidence; lower for the distances.
    public var higherIsBetter: Bool { [.psnr, .ssim, .cpbd, .syncnet].contains(self) }

    /// The header the paper's tables give the metric, with the direction that is better.
    public var columnTitle: String {
        let name = ["psnr": "PSNR", "ssim": "SSIM", "cpbd": "CPBD", "fid": "FID", "fvd": "FVD", "lpips": "LPIPS", "syncnet": "Sync-C"][rawValue]!
        return name + (higherIsBetter ? " ↑" : " ↓")
    }

    /// Why a report has no value of this metric when it was not among ASKED.
    public func absenceReason(asked: [EvaluationMetric]) -> String {
        if needsNetwork { return "\(rawValue): not asked for (--metrics \(rawValue), with the converted weights: --weights)" }
        return "\(rawValue): not asked for (--metrics \(rawValue))"
    }
}
