import Foundation
import Tensors

/// wav2vec 2.0's relative positional embedding (`Wav2Vec2PositionalConvEmbedding`): a grouped 1-D convolution
/// over time with weight normalisation, zero padding kernel / 2 on both sides, the last step dropped for an even
/// kernel (`Wav2Vec2SamePadLayer`), then the activation. Time-major: [T, D] in, [T, D] out.
struct Wav2Vec2PositionalConvolution {
    let width: Int
    let kernel: Int
    let groups: Int
    /// Per group, [groupWidth out, kernel * groupWidth in] with k-major columns (the unfolded patch layout).
    private let groupWeights: [[Float]]
    private let bias: [Float]
    private let activation: String

    /// The weight is stored either already folded (`conv.weight`), or as weight norm's magnitude and direction:
    /// `conv.weight_g` / `conv.weight_v` (torch.nn.utils.weight_norm) or
    /// `conv.parametrizations.weight.original0` / `original1` (its parametrization form, transformers >= 4.36 on
    /// torch >= 2.1). transformers normalises over dim 2: one magnitude per kernel tap, the norm taken over all
    /// output and input channels of that tap.
    init(_ weights: WeightReader, source: WeightSource, configuration: Wav2Vec2Configuration) throws {
        let (width, kernel, groups) = (configuration.hiddenSize, configuration.numConvPosEmbeddings, configuration.numConvPosEmbeddingGroups)
        (self.width, self.kernel, self.groups) = (width, kernel, groups)
        activation = configuration.featExtractActivation
        let groupWidth = width / groups
        let shape = [width, groupWidth, kernel]
        let folded: Tensor
        if source.contains(weights.prefix + "conv.weight_v") {
            folded = try Self.fold(magnitude: weights("conv.weight_g", shape: [1, 1, kernel]), direction: weights("conv.weight_v", shape: shape))
        } else if source.contains(weights.prefix + "conv.parametrizations.weight.original1") {
            folded = try Self.fold(magnitude: weights("conv.parametrizations.weight.original0", shape: [1, 1, kernel]),
                                   direction: weights("conv.parametrizations.weight.original1", shape: shape))
        } else {
            folded = try weights("conv.weight", shape: shape)
        }
        bias = try weights("conv.bias", shape: [width]).scalars
        groupWeights = (0..<groups).map { group in
            var matrix = [Float](repeating: 0, count: groupWidth * kernel * groupWidth)
            for o in 0..<groupWidth {
                for c in 0..<groupWidth {
                    for k in 0..<kernel {
                        matrix[o * kernel * groupWidth + k * groupWidth + c] = folded.scalars[((group * groupWidth + o) * groupWidth + c) * kernel + k]
                    }
                }
            }
            return matrix
        }
    }

    /// weight[o, c, k] = g[k] * v[o, c, k] / ||v[:, :, k]||.
    static func fold(magnitude: Tensor, direction: Tensor) -> Tensor {
        let kernel = direction.shape[2]
        var norms = [Double](repeating: 0, count: kernel)
        for (index, value) in direction.scalars.enumerated() { norms[index % kernel] += Double(value) * Double(value) }
        var result = direction
        for index in result.scalars.indices {
            let k = index % kernel
            result.scalars[index] = Float(Double(magnitude.scalars[k]) * Double(direction.scalars[index]) / norms[k].squareRoot())
        }
        return result
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        let length = input.shape[0]
        let padding = kernel / 2
        let groupWidth = width / groups
        let patch = kernel * groupWidth
        // Zero rows around the input, then each output step t reads padded rows t ..< t + kernel.
        var padded = [Float](repeating: 0, count: (length + 2 * padding) * width)
        padded.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: padding * width).update(from: input.scalars, count: input.count) }
        var output = [Float](repeating: 0, count: length * width)
        for row in 0..<length { output.withUnsafeMutableBufferPointer { ($0.baseAddress! + row * width).update(from: bias, count: width) } }
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: max(1, length * patch))
        defer { columns.deallocate() }
        padded.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { out in
                for group in 0..<groups {
                    // Unfold the group's channels: row t is [padded[t + k, group slice] for k in 0..<kernel].
                    concurrentChunks(count: length, minimumChunk: 64) { range in
                        for t in range {
                            for k in 0..<kernel {
                                (columns + t * patch + k * groupWidth).update(from: source.baseAddress! + (t + k) * width + group * groupWidth, count: groupWidth)
                            }
                        }
                    }
                    groupWeights[group].withUnsafeBufferPointer { w in
                        splitSGEMM(transposeRight: true, rows: length, columns: groupWidth, inner: patch,
                                   left: columns, leftStride: patch, right: w.baseAddress!, rightStride: patch,
                                   accumulate: true, output: out.baseAddress! + group * groupWidth, outputStride: width)
                    }
                }
            }
        }
        // The same-pad layer drops the last of length + 1 steps for an even kernel: computing only the first
        // `length` steps is exactly that.
        Wav2Vec2FeatureEncoder.activate(&output, activation)
        return Tensor(shape: [length, width], scalars: output)
    }
}
