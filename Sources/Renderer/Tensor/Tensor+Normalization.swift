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
        var result = self
        let rows = rowCount
        let gamma = weight?.scalars
        let beta = bias?.scalars
        result.scalars.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            concurrentChunks(count: rows, minimumChunk: max(1, 16_384 / max(1, width))) { range in
                for row in range {
                    let values = base + row * width
                    let (mean, variance) = meanAndVariance(values, count: width)
                    let inverse = 1 / (variance + epsilon).squareRoot()
                    for index in 0..<width {
                        var value = (values[index] - mean) * inverse
                        if let gamma { value *= gamma[index] }
                        if let beta { value += beta[index] }
                        values[index] = value
                    }
                }
            }
        }
        return result
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
        var result = self
        let gamma = weight?.scalars
        let beta = bias?.scalars
        result.scalars.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            concurrentChunks(count: batch * groups, minimumChunk: max(1, 65_536 / max(1, groupSize))) { range in
                for item in range {
                    let start = base + item * groupSize
                    let (mean, variance) = meanAndVariance(start, count: groupSize)
                    let inverse = 1 / (variance + epsilon).squareRoot()
                    let firstChannel = (item % groups) * perGroup
                    for localChannel in 0..<perGroup {
                        let channel = firstChannel + localChannel
                        let scale = inverse * (gamma?[channel] ?? 1)
                        let shift = (beta?[channel] ?? 0) - mean * scale
                        let plane = start + localChannel * spatial
                        for index in 0..<spatial { plane[index] = plane[index] * scale + shift }
                    }
                }
            }
        }
        return result
    }
}

/// Mean and biased variance, accumulated in Double so long rows (a 64x64x40 group) do not drift.
func meanAndVariance(_ values: UnsafeMutablePointer<Float>, count: Int) -> (Float, Float) {
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

func softmaxInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0 else { return }
    var largest = -Float.infinity
    for index in 0..<count { largest = max(largest, values[index]) }
    // A row that is entirely masked gives zeros rather than NaN.
    guard largest > -Float.infinity else {
        for index in 0..<count { values[index] = 0 }
        return
    }
    for index in 0..<count { values[index] = exponential(values[index] - largest) }
    var total: Float = 0
    for index in 0..<count { total += values[index] }
    let inverse = 1 / total
    for index in 0..<count { values[index] *= inverse }
}
