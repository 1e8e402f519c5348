import FaceAnalysis
import MediaIO

/// `tbd eval video`: the per-frame metrics of a generated clip against its ground truth.
public enum VideoEvaluation {
    /// Frames are paired by index, the first min(n, m) of each; a reference frame of another size is resized to
    /// the generated frame's size with libswscale (`RGBImage.scaled`: area averaging when shrinking, bicubic when
    /// enlarging). The reference clip is held in memory while the generated one is read frame by frame.
    ///
    /// LPIPS is averaged over the paired frames like PSNR; FID compares the Inception features of the clip's
    /// paired generated frames with those of its ground-truth frames (a clip's own FID: with fewer frames than the
    /// 2,048 feature dimensions the covariances are rank-deficient, so it is noisy; `eval set` pools all clips).
    /// FVD does the same with the I3D features of the paired frames' consecutive 16-frame windows (`FVDFeatures`):
    /// frames after the last whole window are left out, and a clip needs two windows (32 paired frames), as a
    /// covariance needs two samples.
    ///
    /// SyncNet judges the generated clip alone: its face track (`SyncNetFaceTrack`, the detector run on every
    /// frame) against its own speech (`SyncNetConfidence.speech(of:)`); the metric's value is the confidence, and
    /// the offset and minimum distance come with it.
    public static func evaluate(generated: ClipFrames, reference: ClipFrames?, metrics: [EvaluationMetric],
                                networks: EvaluationNetworks = .none) throws -> ClipEvaluation {
        let compared = metrics.filter(\.needsReference)
        if metrics.contains(.lpips), networks.lpips == nil { throw EvaluationError("lpips needs its networks loaded (EvaluationNetworks)") }
        if metrics.contains(.fid), networks.fid == nil { throw EvaluationError("fid needs its network loaded (EvaluationNetworks)") }
        if metrics.contains(.fvd), networks.fvd == nil { throw EvaluationError("fvd needs its network loaded (EvaluationNetworks)") }
        var fid = networks.fid.map { network in PairedFeatures(batch: FIDFeatures.batchSize) { try network.features(of: $0) } }
        var fvd = networks.fvd.map { network in PairedFeatures(batch: FVDFeatures.windowFrames) { try network.features(ofWindows: $0) } }
        let syncnet = metrics.contains(.syncnet) ? networks.syncnet.flatMap { net in networks.faces.map { (net, $0) } } : nil
        if metrics.contains(.syncnet), syncnet == nil { throw EvaluationError("syncnet needs its networks loaded (EvaluationNetworks)") }
        var faceBoxes: [FaceBox?] = []
        // The rate and the speech are checked before any frame is read.
        if syncnet != nil { try SyncNetConfidence.requireFrameRate(of: generated) }
        let speech = syncnet == nil ? [] : try SyncNetConfidence.speech(of: generated)
        if reference == nil, let first = compared.first {
            throw EvaluationError("\(first.rawValue) compares with the ground truth: give the reference clip (cpbd and syncnet need none)")
        }
        let referenceFrames = try reference.map { try $0.allFrames() } ?? []
        var sums = [EvaluationMetric: Double]()
        var paired = 0
        var size = ""
        var resizedFrom: String?
        let generatedCount = try generated.forEachFrame { index, frame in
            if index == 0 { size = "\(frame.width)x\(frame.height)" }
            if metrics.contains(.cpbd) {
                sums[.cpbd, default: 0] += CumulativeProbabilityOfBlurDetection.sharpness(of: frame)
            }
            if let (_, faces) = syncnet { faceBoxes.append(try faces.detect(frame).first?.box) }
            // Read to the end either way, so the generated clip's frame count is reported whole.
            guard !compared.isEmpty, index < referenceFrames.count else { return true }
            var truth = referenceFrames[index]
            if truth.width != frame.width || truth.height != frame.height {
                resizedFrom = resizedFrom ?? "\(truth.width)x\(truth.height)"
                truth = try truth.scaled(width: frame.width, height: frame.height)
            }
            do {
                if compared.contains(.psnr) { sums[.psnr, default: 0] += try PeakSignalToNoiseRatio.decibels(reference: truth, generated: frame) }
                if compared.contains(.ssim) { sums[.ssim, default: 0] += try StructuralSimilarity.index(reference: truth, generated: frame) }
                if let lpips = networks.lpips, compared.contains(.lpips) { sums[.lpips, default: 0] += Double(try lpips.distance(truth, frame)) }
                if compared.contains(.fid) { try fid?.add(generated: frame, reference: truth) }
                if compared.contains(.fvd) { try fvd?.add(generated: frame, reference: truth) }
            } catch let error as EvaluationError {
                throw EvaluationError("\(generated.path), frame \(index): \(error.description)")
            }
            paired += 1
            return true
        }
        try fid?.finish()
        try fvd?.finish()
        let none: (generated: [[Float]], reference: [[Float]]) = ([], [])
        let fidFeatures = fid?.features ?? none, fvdFeatures = fvd?.features ?? none
        if !compared.isEmpty, paired == 0 {
            throw EvaluationError("\(generated.path): no frame to compare")
        }
        var synchronisation: SyncNetConfidence.Result?
        if let (network, _) = syncnet {
            let placements = try SyncNetFaceTrack.placements(faceBoxes, clip: generated.path)
            var crops: [RGBImage] = []
            try generated.forEachFrame { index, frame in
                guard index < placements.count else { return false }
                crops.append(try SyncNetFaceTrack.crop(frame, at: placements[index]))
                return true
            }
            do {
                synchronisation = try network.evaluate(crops: crops, samples: speech)
            } catch let error as EvaluationError {
                throw EvaluationError("\(generated.path): \(error.description)")
            }
        }
        var values: [(metric: EvaluationMetric, value: Double)] = []
        for metric in metrics {
            if metric == .syncnet, let synchronisation {
                values.append((metric, synchronisation.confidence))
            } else if metric == .fid {
                do { values.append((metric, try FrechetDistance.compute(fidFeatures.generated, fidFeatures.reference))) } catch {
                    throw EvaluationError("\(generated.path): fid: \(error)")
                }
            } else if metric == .fvd {
                guard fvdFeatures.generated.count >= 2 else {
                    throw EvaluationError("\(generated.path): fvd needs two 16-frame windows (32 paired frames), the clip pairs \(paired)")
                }
                values.append((metric, try FrechetDistance.compute(fvdFeatures.generated, fvdFeatures.reference)))
            } else {
                values.append((metric, (sums[metric] ?? 0) / Double(metric == .cpbd ? generatedCount : paired)))
            }
        }
        return ClipEvaluation(
            metrics: MetricValues(values), frames: paired, generatedFrames: generatedCount,
            referenceFrames: reference == nil ? nil : referenceFrames.count, generated: generated.path, reference: reference?.path,
            referenceResizedFrom: resizedFrom, size: size, syncnet: synchronisation.map(ClipEvaluation.Synchronisation.init),
            fidFeatures: metrics.contains(.fid) ? fidFeatures : nil, fvdFeatures: metrics.contains(.fvd) ? fvdFeatures : nil)
    }
}
