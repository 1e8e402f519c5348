import Foundation
import Tensors

/// wav2vec 2.0's convolutional feature encoder (transformers' `Wav2Vec2FeatureEncoder`): a stack of strided 1-D
/// convolutions over the waveform, each followed by GELU, with group norm (one group per channel, statistics over
/// the whole utterance) on the first layer only (`feat_extract_norm` "group") or layer norm over channels after
/// every layer ("layer").
///
/// Long audio runs in blocks of output frames, so memory stays bounded: every output frame depends only on its
/// own window of samples, except for the first layer's group norm, whose per-channel statistics come from a
/// first pass over the whole utterance (that layer's convolution is then computed twice, about 1% of the work).
struct Wav2Vec2FeatureEncoder {
    private let convolutions: [Conv1DLayer]
    /// Per layer: layer-norm (or, for layer 0 of a group-norm encoder, group-norm) scale and shift.
    private let norms: [(weight: [Float], bias: [Float])?]
    private let groupNorm: Bool
    private let activation: String
    let outputChannels: Int
    let totalStride: Int
    let receptiveField: Int
    /// Output frames per block: sized so the first layer's output for a block stays near 16 MB.
    var blockFrames: Int

    /// PyTorch's default epsilon for the encoder's norms (they do not use `layer_norm_eps`).
    private static let normEpsilon: Float = 1e-5

    init(_ weights: WeightReader, configuration: Wav2Vec2Configuration) throws {
        var convolutions: [Conv1DLayer] = []
        var norms: [(weight: [Float], bias: [Float])?] = []
        var inputChannels = 1
        for (index, width) in configuration.convDim.enumerated() {
            let layer = weights.scope("conv_layers.\(index)")
            let kernel = configuration.convKernel[index]
            let weight = try layer("conv.weight", shape: [width, inputChannels, kernel])
            let bias = configuration.convBias ? try layer("conv.bias", shape: [width]) : nil
            convolutions.append(Conv1DLayer(weight: weight, bias: bias, stride: configuration.convStride[index]))
            if configuration.featExtractNorm == "layer" || index == 0 {
                norms.append((try layer("layer_norm.weight", shape: [width]).scalars, try layer("layer_norm.bias", shape: [width]).scalars))
            } else {
                norms.append(nil)
            }
            inputChannels = width
        }
        self.convolutions = convolutions
        self.norms = norms
        groupNorm = configuration.featExtractNorm == "group"
        activation = configuration.featExtractActivation
        outputChannels = inputChannels
        totalStride = configuration.totalStride
        receptiveField = configuration.receptiveField
        let firstLayerValuesPerFrame = max(1, totalStride / configuration.convStride[0] * configuration.convDim[0])
        blockFrames = max(1, (1 << 22) / firstLayerValuesPerFrame)
    }

    /// Frames the encoder gives for `samples` input samples (0 when shorter than its receptive field).
    func frameCount(forSamples samples: Int) -> Int {
        samples < receptiveField ? 0 : (samples - receptiveField) / totalStride + 1
    }

    /// The features [frames, C] of a normalised waveform.
    func callAsFunction(_ samples: [Float]) -> Tensor {
        let frames = frameCount(forSamples: samples.count)
        var output = [Float](repeating: 0, count: frames * outputChannels)
        guard frames > 0 else { return Tensor(shape: [0, outputChannels], scalars: []) }
        samples.withUnsafeBufferPointer { input in
            let statistics = groupNorm ? firstLayerStatistics(input) : nil
            output.withUnsafeMutableBufferPointer { out in
                for first in stride(from: 0, to: frames, by: blockFrames) {
                    let count = min(blockFrames, frames - first)
                    // The samples frames first..<first+count need; every layer's stride divides the offset, so the
                    // block's outputs line up with the whole utterance's.
                    let start = first * totalStride
                    let length = (count - 1) * totalStride + receptiveField
                    let block = run(input.baseAddress! + start, length: length, statistics: statistics)
                    precondition(block.count >= count * outputChannels, "feature encoder block is short")
                    (out.baseAddress! + first * outputChannels).update(from: block, count: count * outputChannels)
                }
            }
        }
        return Tensor(shape: [frames, outputChannels], scalars: output)
    }

    /// Group-norm statistics of the first layer over the whole utterance, computed block by block.
    private func firstLayerStatistics(_ input: UnsafeBufferPointer<Float>) -> (mean: [Float], inverse: [Float]) {
        let first = convolutions[0]
        let outputs = first.outputLength(forInput: input.count)
        let blockOutputs = max(1, blockFrames * totalStride / first.stride)
        var moments = ChannelMoments(channels: first.outChannels)
        for start in stride(from: 0, to: outputs, by: blockOutputs) {
            let count = min(blockOutputs, outputs - start)
            let block = first(input.baseAddress! + start * first.stride, length: (count - 1) * first.stride + first.kernel)
            block.withUnsafeBufferPointer { moments.add($0.baseAddress!, rows: count) }
        }
        let inverse = moments.variance.map { Float(1 / ($0 + Double(Self.normEpsilon)).squareRoot()) }
        return (moments.mean.map { Float($0) }, inverse)
    }

    private func run(_ input: UnsafePointer<Float>, length: Int, statistics: (mean: [Float], inverse: [Float])?) -> [Float] {
        var current = convolutions[0](input, length: length)
        var rows = convolutions[0].outputLength(forInput: length)
        for index in convolutions.indices {
            if index > 0 {
                let previous = current
                current = previous.withUnsafeBufferPointer { convolutions[index]($0.baseAddress!, length: rows) }
                rows = convolutions[index].outputLength(forInput: rows)
            }
            let channels = convolutions[index].outChannels
            if let norm = norms[index] {
                if index == 0, let statistics {
                    Self.normalizeChannels(&current, channels: channels, statistics: statistics, norm: norm)
                } else {
                    Self.normalizeRows(&current, channels: channels, norm: norm)
                }
            }
            Self.activate(&current, activation)
        }
        return current
    }

    /// Group norm with one channel per group: each channel scaled by its utterance-wide statistics.
    private static func normalizeChannels(_ values: inout [Float], channels: Int,
                                          statistics: (mean: [Float], inverse: [Float]), norm: (weight: [Float], bias: [Float])) {
        let scale = (0..<channels).map { statistics.inverse[$0] * norm.weight[$0] }
        let shift = (0..<channels).map { norm.bias[$0] - statistics.mean[$0] * scale[$0] }
        values.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            concurrentChunks(count: buffer.count / channels, minimumChunk: max(1, 65_536 / channels)) { range in
                for row in range {
                    let values = base + row * channels
                    for c in 0..<channels { values[c] = values[c] * scale[c] + shift[c] }
                }
            }
        }
    }

    /// Layer norm over the channels of every time step.
    private static func normalizeRows(_ values: inout [Float], channels: Int, norm: (weight: [Float], bias: [Float])) {
        let tensor = Tensor(shape: [values.count / channels, channels], scalars: values)
        values = tensor.layerNorm(weight: Tensor(shape: [channels], scalars: norm.weight),
                                  bias: Tensor(shape: [channels], scalars: norm.bias), epsilon: normEpsilon).scalars
    }

    static func activate(_ values: inout [Float], _ name: String) {
        let gelu = name == "gelu"
        values.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            concurrentChunks(count: buffer.count, minimumChunk: 65_536) { range in
                if gelu {
                    for index in range { base[index] = gaussianErrorLinearUnit(base[index]) }
                } else {
                    // NaN passes through, as in PyTorch: mapped to 0 it would hide a damaged input behind zeros.
                    for index in range where base[index] < 0 { base[index] = 0 }
                }
            }
        }
    }
}
