import Foundation
import Tensors

/// diffusers' `FeedForward` with GEGLU as the diffusion UNets use it: a projection to 2 x 4 widths (value and
/// gate), value * gelu(gate), and a projection back (`ff.net.0.proj`, `ff.net.2`).
struct GEGLUFeedForward {
    let projectionIn: LinearLayer
    let projectionOut: LinearLayer

    init(_ weights: WeightReader, width: Int) throws {
        projectionIn = try LinearLayer(weights, "net.0.proj", input: width, output: 8 * width)
        projectionOut = try LinearLayer(weights, "net.2", input: 4 * width, output: width)
    }

    func callAsFunction(_ input: Tensor) -> Tensor { projectionOut(projectionIn(input).geglu()) }
}

/// Reference attention for one transformer block (Hallo's ReferenceNet reader): the banked reference tokens
/// [1, L_ref, C] that the self-attention of the items marked in `items` appends to its keys and values.
struct ReferenceKeys {
    let tokens: Tensor
    let items: [Bool]
}

/// diffusers' `BasicTransformerBlock` as SD1.5 uses it: layer-normed self-attention, cross-attention on the text
/// condition, and a GEGLU feed-forward (inner width 4x), each added back to its input.
struct TransformerBlock {
    let norm1, norm2, norm3: LayerNormLayer
    let selfAttention: AttentionLayer
    let crossAttention: AttentionLayer
    let feedForward: GEGLUFeedForward
    let width: Int

    init(_ weights: WeightReader, width: Int, contextWidth: Int, heads: Int) throws {
        norm1 = try LayerNormLayer(weights, "norm1", width: width)
        norm2 = try LayerNormLayer(weights, "norm2", width: width)
        norm3 = try LayerNormLayer(weights, "norm3", width: width)
        selfAttention = try AttentionLayer(weights.scope("attn1"), width: width, contextWidth: width, heads: heads, projectionBias: false)
        crossAttention = try AttentionLayer(weights.scope("attn2"), width: width, contextWidth: contextWidth, heads: heads, projectionBias: false)
        feedForward = try GEGLUFeedForward(weights.scope("ff"), width: width)
        self.width = width
    }

    /// `record` receives the normalised tokens entering the self-attention (what Hallo's ReferenceNet banks);
    /// `reference` turns the self-attention of its items into reference attention.
    func callAsFunction(_ input: Tensor, context: Tensor, reference: ReferenceKeys? = nil,
                        record: ((Tensor) -> Void)? = nil) -> Tensor {
        let normed = norm1(input)
        record?(normed)
        var hidden = input
        if let reference {
            hidden += selfAttention(normed, appending: reference.tokens, forItems: reference.items)
        } else {
            hidden += selfAttention(normed)
        }
        hidden += crossAttention(norm2(hidden), context: context)
        hidden += feedForward(norm3(hidden))
        return hidden
    }
}

/// The frame of diffusers' `Transformer2DModel` and its video relatives: group norm, a projection in (1x1
/// convolution, or linear), a body on the H*W tokens of each item, a projection out, and the residual. A 1x1
/// convolution is the same product as a linear layer on channels-last tokens, so both kinds run as one: on the
/// packed product, with the same two layout changes a convolution on [N, C, H, W] would need around the body.
struct TokenProjection {
    let norm: GroupNormLayer
    let projectionIn: LinearLayer
    let projectionOut: LinearLayer

    /// `innerWidth` is the token width between the projections (the channel count unless a module says otherwise).
    init(_ weights: WeightReader, channels: Int, innerWidth: Int? = nil, groups: Int, linearProjection: Bool) throws {
        let inner = innerWidth ?? channels
        norm = try GroupNormLayer(weights, "norm", groups: groups, epsilon: 1e-6, channels: channels)
        func projection(_ name: String, _ input: Int, _ output: Int) throws -> LinearLayer {
            linearProjection ? try LinearLayer(weights, name, input: input, output: output)
                             : try LinearLayer(convolution1x1: weights, name, input: input, output: output)
        }
        projectionIn = try projection("proj_in", channels, inner)
        projectionOut = try projection("proj_out", inner, channels)
    }

    /// `input` [N, C, H, W]; `body` maps tokens [N, H*W, inner] to tokens of the same shape.
    func callAsFunction(_ input: Tensor, _ body: (Tensor) throws -> Tensor) rethrows -> Tensor {
        let (height, width) = (input.shape[2], input.shape[3])
        let tokens = try body(projectionIn(norm(input).channelsLastTokens()))
        var output = projectionOut(tokens).channelsFirstImage(height: height, width: width)
        output += input
        return output
    }
}

/// diffusers' `Transformer2DModel` on a feature map: `TokenProjection` around transformer blocks.
struct SpatialTransformer {
    let frame: TokenProjection
    let blocks: [TransformerBlock]

    init(_ weights: WeightReader, channels: Int, contextWidth: Int, heads: Int, layers: Int, groups: Int,
         linearProjection: Bool) throws {
        frame = try TokenProjection(weights, channels: channels, groups: groups, linearProjection: linearProjection)
        blocks = try (0..<layers).map {
            try TransformerBlock(weights.scope("transformer_blocks.\($0)"), width: channels, contextWidth: contextWidth, heads: heads)
        }
    }

    /// `input` [N, C, H, W]; `context` [N, L, contextWidth]. `reference(layer)` gives a block's reference keys,
    /// `record(layer, tokens)` receives each block's normalised self-attention input.
    func callAsFunction(_ input: Tensor, context: Tensor, reference: (Int) -> ReferenceKeys? = { _ in nil },
                        record: ((Int, Tensor) -> Void)? = nil) -> Tensor {
        frame(input) { tokens in
            var tokens = tokens
            for (layer, block) in blocks.enumerated() {
                tokens = block(tokens, context: context, reference: reference(layer), record: record.map { record in { record(layer, $0) } })
            }
            return tokens
        }
    }
}
