import Foundation

/// diffusers' `BasicTransformerBlock` as SD1.5 uses it: layer-normed self-attention, cross-attention on the text
/// condition, and a GEGLU feed-forward (inner width 4x), each added back to its input.
struct TransformerBlock {
    let norm1, norm2, norm3: LayerNormLayer
    let selfAttention: AttentionLayer
    let crossAttention: AttentionLayer
    let feedForwardIn: LinearLayer
    let feedForwardOut: LinearLayer

    init(_ weights: WeightReader, width: Int, contextWidth: Int, heads: Int) throws {
        norm1 = try LayerNormLayer(weights, "norm1", width: width)
        norm2 = try LayerNormLayer(weights, "norm2", width: width)
        norm3 = try LayerNormLayer(weights, "norm3", width: width)
        selfAttention = try AttentionLayer(weights.scope("attn1"), width: width, contextWidth: width, heads: heads, projectionBias: false)
        crossAttention = try AttentionLayer(weights.scope("attn2"), width: width, contextWidth: contextWidth, heads: heads, projectionBias: false)
        feedForwardIn = try LinearLayer(weights, "ff.net.0.proj", input: width, output: 8 * width)
        feedForwardOut = try LinearLayer(weights, "ff.net.2", input: 4 * width, output: width)
    }

    func callAsFunction(_ input: Tensor, context: Tensor) -> Tensor {
        var hidden = input + selfAttention(norm1(input))
        hidden = hidden + crossAttention(norm2(hidden), context: context)
        return hidden + feedForwardOut(feedForwardIn(norm3(hidden)).geglu())
    }
}

/// diffusers' `Transformer2DModel` on a feature map: group norm, a projection in (1x1 convolution, or linear
/// with `use_linear_projection`), transformer blocks over the H*W tokens, a projection out, and the residual.
struct SpatialTransformer {
    let norm: GroupNormLayer
    let projectionIn: Projection
    let blocks: [TransformerBlock]
    let projectionOut: Projection

    enum Projection {
        case convolution(Conv2DLayer)
        case linear(LinearLayer)
    }

    init(_ weights: WeightReader, channels: Int, contextWidth: Int, heads: Int, layers: Int, groups: Int,
         linearProjection: Bool) throws {
        norm = try GroupNormLayer(weights, "norm", groups: groups, epsilon: 1e-6, channels: channels)
        func projection(_ name: String) throws -> Projection {
            linearProjection ? .linear(try LinearLayer(weights, name, input: channels, output: channels))
                             : .convolution(try Conv2DLayer(weights, name, input: channels, output: channels, kernel: 1))
        }
        projectionIn = try projection("proj_in")
        projectionOut = try projection("proj_out")
        blocks = try (0..<layers).map {
            try TransformerBlock(weights.scope("transformer_blocks.\($0)"), width: channels, contextWidth: contextWidth, heads: heads)
        }
    }

    /// `input` [N, C, H, W]; `context` [N, L, contextWidth].
    func callAsFunction(_ input: Tensor, context: Tensor) -> Tensor {
        let (height, width) = (input.shape[2], input.shape[3])
        var tokens: Tensor
        switch projectionIn {
        case .convolution(let conv): tokens = conv(norm(input)).channelsLastTokens()
        case .linear(let linear): tokens = linear(norm(input).channelsLastTokens())
        }
        for block in blocks { tokens = block(tokens, context: context) }
        let output: Tensor
        switch projectionOut {
        case .convolution(let conv): output = conv(tokens.channelsFirstImage(height: height, width: width))
        case .linear(let linear): output = linear(tokens).channelsFirstImage(height: height, width: width)
        }
        return output + input
    }
}
