import Foundation
import Tensors

/// The single-head spatial self-attention of the VAE's middle block (diffusers `Attention` with a group norm and
/// a residual connection): every position attends to every other.
struct VAEAttention {
    let norm: GroupNormLayer
    let attention: AttentionLayer

    init(_ weights: WeightReader, channels: Int, groups: Int) throws {
        norm = try GroupNormLayer(weights, "group_norm", groups: groups, epsilon: 1e-6, channels: channels)
        attention = try AttentionLayer(weights, width: channels, contextWidth: channels, heads: 1, projectionBias: true)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        let (height, width) = (input.shape[2], input.shape[3])
        let tokens = norm(input).channelsLastTokens()
        return attention(tokens).channelsFirstImage(height: height, width: width) + input
    }
}

/// diffusers' `UNetMidBlock2D` as the VAE uses it: ResNet, attention, ResNet, without time embedding.
struct VAEMidBlock {
    let first: ResnetBlock
    let attention: VAEAttention
    let second: ResnetBlock

    init(_ weights: WeightReader, channels: Int, groups: Int) throws {
        first = try ResnetBlock(weights.scope("resnets.0"), inputChannels: channels, outputChannels: channels,
                                timeChannels: nil, groups: groups, epsilon: 1e-6)
        attention = try VAEAttention(weights.scope("attentions.0"), channels: channels, groups: groups)
        second = try ResnetBlock(weights.scope("resnets.1"), inputChannels: channels, outputChannels: channels,
                                 timeChannels: nil, groups: groups, epsilon: 1e-6)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        second(attention(first(input, timeEmbedding: nil)), timeEmbedding: nil)
    }
}
