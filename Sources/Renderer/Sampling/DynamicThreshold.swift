import Tensors

/// Imagen's dynamic thresholding of a predicted x0 (diffusers' `_threshold_sample`): per batch item, s is the
/// `ratio` quantile of |x0| clamped to [1, maximum]; x0 is clamped to [-s, s] and divided by s.
enum DynamicThreshold {
    static func apply(_ sample: Tensor, ratio: Double, maximum: Float) -> Tensor {
        let batch = sample.shape.first ?? 1
        let size = sample.count / max(1, batch)
        var result = sample
        for item in 0..<batch {
            let range = item * size..<(item + 1) * size
            let sorted = sample.scalars[range].map(abs).sorted()
            // torch.quantile's default linear interpolation between the two nearest ranks.
            let position = ratio * Double(size - 1)
            let lower = Int(position.rounded(.down))
            let upper = min(lower + 1, size - 1)
            let fraction = Float(position - Double(lower))
            let quantile = sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
            let s = min(max(quantile, 1), maximum)
            for index in range { result.scalars[index] = min(max(sample.scalars[index], -s), s) / s }
        }
        return result
    }
}
