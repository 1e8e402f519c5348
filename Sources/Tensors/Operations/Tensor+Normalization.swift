import Foundation

extension Tensor {
    /// Softmax over the last dimension, shifted by the row maximum for stability.
    public func softmaxLastDimension() -> Tensor {
        var result = self
        let width = lastDimension
        let rows = rowCount
        result.scalars.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            concurrentChunks(count: rows, minimumChunk: max(1, 16_384 / max(1, width))) { range in
                for row in range { softmaxInPlace(base + row * width, count: width) }
            }
        }
        return result
    }

    /// Layer normalisation over the last dimension (biased variance, as PyTorch).
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        let width = lastDimension
        precondition(weight.map { $0.count == width } ?? true && bias.map { $0.count == width } ?? true,
                     "layer norm parameters do not fit width \(width)")
        let rows = rowCount
        let gamma = weight?.scalars
        let beta = bias?.scalars
        return scalars.withUnsafeBufferPointer { buffer in
            guard let input = buffer.baseAddress, width > 0 else { return self }
            return Tensor(shape: shape) { output in
                concurrentChunks(count: rows, minimumChunk: max(1, 16_384 / max(1, width))) { range in
                    for row in range {
                        let values = input + row * width, normed = output + row * width
                        let (mean, variance) = meanAndVariance(values, count: width)
                        let inverse = 1 / (variance + epsilon).squareRoot()
                        for index in 0..<width {
                            var value = (values[index] - mean) * inverse
                            if let gamma { value *= gamma[index] }
                            if let beta { value += beta[index] }
                            normed[index] = value
                        }
                    }
                }
            }
        }
    }

    /// Group normalisation of [N, C, ...]: channels split into `groups`, each normalised over its channels and all
    /// spatial positions, then scaled and shifted per channel.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        precondition(rank >= 2, "group norm needs [N, C, ...], got \(shape)")
        let batch = shape[0]
        let channels = shape[1]
        precondition(groups > 0 && channels % groups == 0, "\(channels) channels do not split into \(groups) groups")
        let spatial = count / max(1, batch * channels)
        let perGroup = channels / groups
        let groupSize = perGroup * spatial
        let gamma = weight?.scalars
        let beta = bias?.scalars
        return scalars.withUnsafeBufferPointer { buffer in
            guard let input = buffer.baseAddress, groupSize > 0 else { return self }
            return Tensor(shape: shape) { output in
                concurrentChunks(count: batch * groups, minimumChunk: max(1, 65_536 / max(1, groupSize))) { range in
                    for item in range {
                        let start = input + item * groupSize
                        let (mean, variance) = meanAndVariance(start, count: groupSize)
                        let inverse = 1 / (variance + epsilon).squareRoot()
                        let firstChannel = (item % groups) * perGroup
                        for localChannel in 0..<perGroup {
                            let channel = firstChannel + localChannel
                            let scale = inverse * (gamma?[channel] ?? 1)
                            let shift = (beta?[channel] ?? 0) - mean * scale
                            let plane = start + localChannel * spatial, normed = output + item * groupSize + localChannel * spatial
                            for index in 0..<spatial { normed[index] = plane[index] * scale + shift }
                        }
                    }
                }
            }
        }
    }
}

/// Mean and biased variance, accumulated in Double so long rows (a 64x64x40 group) do not drift.
package func meanAndVariance(_ values: UnsafePointer<Float>, count: Int) -> (Float, Float) {
    guard count > 0 else { return (0, 0) }
    var sum: Double = 0
    for index in 0..<count { sum += Double(values[index]) }
    let mean = sum / Double(count)
    var squares: Double = 0
    for index in 0..<count {
        let centred = Double(values[index]) - mean
        squares += centred * centred
    }
    return (Float(mean), Float(squares / Double(count)))
}

package func softmaxInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
    let total = exponentiateShifted(values, count: count)
    guard total > 0 else { return }
    let inverse = 1 / total
    for index in 0..<count { values[index] *= inverse }
}

/// Replaces each value by exp(value - row maximum) and returns their sum: softmax without the final division,
/// which attention applies to its much narrower output instead. A row that is entirely masked (all -infinity)
/// becomes zeros with sum 0, rather than NaN.
package func exponentiateShifted(_ values: UnsafeMutablePointer<Float>, count: Int) -> Float {
    guard count > 0 else { return 0 }
    var largest = -Float.infinity
    for index in 0..<count { largest = max(largest, values[index]) }
    guard largest > -Float.infinity else {
        for index in 0..<count { values[index] = 0 }
        return 0
    }
    for index in 0..<count { values[index] = exponential(values[index] - largest) }
    // Four running sums let the additions overlap instead of waiting on one another.
    var sums: (Float, Float, Float, Float) = (0, 0, 0, 0)
    var index = 0
    while index + 4 <= count {
        sums.0 += values[index]
        sums.1 += values[index + 1]
        sums.2 += values[index + 2]
        sums.3 += values[index + 3]
        index += 4
    }
    var total = (sums.0 + sums.1) + (sums.2 + sums.3)
    while index < count {
        total += values[index]
        index += 1
    }
    return total
}
