import FaceAnalysis
import Foundation

/// The networks the asked metrics need, loaded once for a whole run: LPIPS's AlexNet for `lpips`, FID's
/// InceptionV3 for `fid`, FVD's I3D for `fvd`, SyncNet and the face detector for `syncnet`. A metric whose weights
/// are missing is refused here, naming the file and where its original is published, before any clip is read.
public final class EvaluationNetworks: @unchecked Sendable {
    let lpips: LPIPS?
    let fid: FIDFeatures?
    let fvd: FVDFeatures?
    let syncnet: SyncNetConfidence?
    let faces: FaceDetector?

    /// The face detector's weights come from FACEWEIGHTS (default: `FaceDetector.defaultWeightsFolder()`).
    public convenience init(metrics: [EvaluationMetric], weights: EvaluationWeights = EvaluationWeights(), faceWeights: URL? = nil) throws {
        let syncnet = metrics.contains(.syncnet)
        self.init(lpips: metrics.contains(.lpips) ? try LPIPS(weights: weights) : nil,
                  fid: metrics.contains(.fid) ? try FIDFeatures(weights: weights) : nil,
                  fvd: metrics.contains(.fvd) ? try FVDFeatures(weights: weights) : nil,
                  syncnet: syncnet ? try SyncNetConfidence(weights: weights) : nil,
                  faces: syncnet ? try FaceDetector(weightsFolder: faceWeights) : nil)
    }

    package init(lpips: LPIPS?, fid: FIDFeatures?, fvd: FVDFeatures? = nil, syncnet: SyncNetConfidence? = nil, faces: FaceDetector? = nil) {
        self.lpips = lpips
        self.fid = fid
        self.fvd = fvd
        self.syncnet = syncnet
        self.faces = faces
    }

    /// None: for runs that ask only for the per-frame metrics.
    public static let none = EvaluationNetworks(lpips: nil, fid: nil)
}
