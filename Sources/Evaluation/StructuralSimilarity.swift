import MediaIO

/// SSIM of one 8-bit RGB frame against its reference (Wang et al. 2004), as scikit-image 0.26's
/// `structural_similarity(reference, generated, channel_axis=2, gaussian_weights=True, sigma=1.5,
/// use_sample_covariance=False, data_range=255)` computes it: per channel, local statistics under a Gaussian
/// window (σ 1.5, truncated at 3.5σ: 11 taps, borders reflected), K1 0.01, K2 0.03, population covariances;
/// the SSIM map's mean after cropping (11 - 1) / 2 = 5 pixels from every side; the channels' mean.
public enum StructuralSimilarity {
    static let sigma = 1.5
    static let truncate = 3.5
    /// scikit-image's `win_size`: 2·int(truncate·σ + 0.5) + 1.
    static let windowSize = 2 * Int(truncate * sigma + 0.5) + 1
    static let c1 = (0.01 * 255.0) * (0.01 * 255.0)
    static let c2 = (0.03 * 255.0) * (0.03 * 255.0)

    public static func index(reference: RGBImage, generated: RGBImage) throws -> Double {
        try SameSize.check(reference, generated)
        guard reference.width >= windowSize, reference.height >= windowSize else {
            throw EvaluationError(
                "SSIM needs frames of at least \(windowSize)x\(windowSize) pixels (its window); these are \(reference.width)x\(reference.height)")
        }
        let filter = GaussianFilter(sigma: sigma, truncate: truncate)
        let perChannel = zip(RGBChannels.planes(of: reference), RGBChannels.planes(of: generated)).map { x, y in
            channelIndex(x, y, filter: filter)
        }
        return perChannel.reduce(0, +) / Double(perChannel.count)
    }

    /// One channel: the SSIM map's mean over the pixels at least `pad` from every side.
    static func channelIndex(_ x: Plane, _ y: Plane, filter: GaussianFilter) -> Double {
        let ux = filter.apply(x, border: .reflect)
        let uy = filter.apply(y, border: .reflect)
        let uxx = filter.apply(x.combined(with: x, *), border: .reflect)
        let uyy = filter.apply(y.combined(with: y, *), border: .reflect)
        let uxy = filter.apply(x.combined(with: y, *), border: .reflect)
        let pad = (windowSize - 1) / 2
        var total = 0.0
        for row in pad..<(x.height - pad) {
            for column in pad..<(x.width - pad) {
                let index = row * x.width + column
                let mx = ux.values[index], my = uy.values[index]
                // The reference's expressions term for term, so float64 rounds alike.
                let vx = uxx.values[index] - mx * mx
                let vy = uyy.values[index] - my * my
                let vxy = uxy.values[index] - mx * my
                let a1 = 2 * mx * my + c1
                let a2 = 2 * vxy + c2
                let b1 = mx * mx + my * my + c1
                let b2 = vx + vy + c2
                total += (a1 * a2) / (b1 * b2)
            }
        }
        return total / Double((x.height - 2 * pad) * (x.width - 2 * pad))
    }
}
