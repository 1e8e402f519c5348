import MediaIO

/// `tbd eval video`: the per-frame metrics of a generated clip against its ground truth.
public enum VideoEvaluation {
    /// Frames are paired by index, the first min(n, m) of each; a reference frame of another size is resized to
    /// the generated frame's size with libswscale (`RGBImage.scaled`: area averaging when shrinking, bicubic when
    /// enlarging). The reference clip is held in memory while the generated one is read frame by frame.
    public static func evaluate(generated: ClipFrames, reference: ClipFrames?, metrics: [EvaluationMetric]) throws -> ClipEvaluation {
        let compared = metrics.filter(\.needsReference)
        if reference == nil, let first = compared.first {
            throw EvaluationError("\(first.rawValue) compares with the ground truth: give the reference clip (cpbd alone needs none)")
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
            } catch let error as EvaluationError {
                throw EvaluationError("\(generated.path), frame \(index): \(error.description)")
            }
            paired += 1
            return true
        }
        let values = metrics.map { metric -> (metric: EvaluationMetric, value: Double) in
            let count = metric == .cpbd ? generatedCount : paired
            return (metric, (sums[metric] ?? 0) / Double(count))
        }
        if !compared.isEmpty, paired == 0 {
            throw EvaluationError("\(generated.path): no frame to compare")
        }
        return ClipEvaluation(
            metrics: MetricValues(values), frames: paired, generatedFrames: generatedCount,
            referenceFrames: reference == nil ? nil : referenceFrames.count, generated: generated.path, reference: reference?.path,
            referenceResizedFrom: resizedFrom, size: size)
    }
}
