import Foundation
import Tensors

/// diffusers' `ResnetBlock2D` (default "default" time-embedding norm, output scale 1): two norm-SiLU-conv stages,
/// the projected time embedding added between them, and a 1x1 shortcut when the channel count changes.
struct ResnetBlock {
    let norm1: GroupNormLayer
    let conv1: Conv2DLayer
    let timeProjection: LinearLayer?
    let norm2: GroupNormLayer
    let conv2: Conv2DLayer
    let shortcut: Conv2DLayer?

    /// `timeChannels` nil means no time embedding (the VAE's blocks).
    init(_ weights: WeightReader, inputChannels: Int, outputChannels: Int, timeChannels: Int?,
         groups: Int, epsilon: Float) throws {
        norm1 = try GroupNormLayer(weights, "norm1", groups: groups, epsilon: epsilon, channels: inputChannels)
        conv1 = try Conv2DLayer(weights, "conv1", input: inputChannels, output: outputChannels, kernel: 3)
        norm2 = try GroupNormLayer(weights, "norm2", groups: groups, epsilon: epsilon, channels: outputChannels)
        conv2 = try Conv2DLayer(weights, "conv2", input: outputChannels, output: outputChannels, kernel: 3)
        timeProjection = try timeChannels.map { try LinearLayer(weights, "time_emb_proj", input: $0, output: outputChannels) }
        shortcut = inputChannels == outputChannels ? nil
            : try Conv2DLayer(weights, "conv_shortcut", input: inputChannels, output: outputChannels, kernel: 1)
    }

    /// `timeEmbedding` is [N, T] (before SiLU), required when the block was built with time channels.
    func callAsFunction(_ input: Tensor, timeEmbedding: Tensor?) -> Tensor {
        var hidden = conv1(norm1(input).silu())
        if let timeProjection, let timeEmbedding {
            hidden = hidden.addingChannelValues(timeProjection(timeEmbedding.silu()))
        }
        hidden = conv2(norm2(hidden).silu())
        return (shortcut?(input) ?? input) + hidden
    }
}
