import Foundation

/// The networks the asked metrics need, loaded once for a whole run: LPIPS's AlexNet for `lpips`, FID's
/// InceptionV3 for `fid`, FVD's I3D for `fvd`. A metric whose weights are missing is refused here, naming the file and where its
/// original is published, before any clip is read.
public final class EvaluationNetworks: @unchecked Sendable {
    let lpips: LPIPS?
    let fid: FIDFeatures?
    let fvd: FVDFeatures?

    public convenience init(metrics: [EvaluationMetric], weights: EvaluationWeights = EvaluationWeights()) throws {
        self.init(lpips: metrics.contains(.lpips) ? try LPIPS(weights: weights) : nil,
                  fid: metrics.contains(.fid) ? try FIDFeatures(weights: weights) : nil,
                  fvd: metrics.contains(.fvd) ? try FVDFeatures(weights: weights) : nil)
    }

    package init(lpips: LPIPS?, fid: FIDFeatures?, fvd: FVDFeatures? = nil) {
        self.lpips = lpips
        self.fid = fid
        self.fvd = fvd
    }

    /// None: for runs that ask only for the per-frame metrics.
    public static let none = EvaluationNetworks(lpips: nil, fid: nil)
}
