import Foundation
import Tensors

/// Hallo's audio module (a `Transformer3DModel` with an `AudioTemporalBasicTransformerBlock`), per frame: group
/// norm, a projection in to the module's width, self-attention, audio cross-attention, a GEGLU feed-forward
/// (each residual), a projection out and the residual. The cross-attention on the frame's audio tokens has
/// two forms, chosen by the config:
/// - single (the paper's): one `attn2`;
/// - masked (Hallo's): `attn2_0/1/2` for the full, face and lip regions, each output multiplied by its mask at this
///   module's UNet level, passed through a 1x1 convolution (`zero_conv_full/face/lip`) and summed (weights 1).
struct AudioModule {
    enum CrossAttention {
        case single(AttentionLayer)
        /// Full, face, lip: each attention with its 1x1 convolution read as a linear map on the tokens.
        case masked([(attention: AttentionLayer, weight: PackedLinearWeight, bias: Tensor)])
    }

    let frame: TokenProjection
    let norm1, norm2, norm3: LayerNormLayer
    let selfAttention: AttentionLayer
    let crossAttention: CrossAttention
    let feedForward: GEGLUFeedForward
    /// The UNet level whose pooled masks the masked form reads.
    let level: Int

    /// `weights` is the module's scope (`...audio_modules.N`); `innerWidth` is Hallo's heads x (the block's
    /// input channels / heads), which differs from `channels` in the first layer of a widening block.
    init(_ weights: WeightReader, channels: Int, innerWidth: Int, heads: Int, audioWidth: Int, groups: Int,
         linearProjection: Bool, masked: Bool, level: Int) throws {
        frame = try TokenProjection(weights, channels: channels, innerWidth: innerWidth, groups: groups, linearProjection: linearProjection)
        let block = weights.scope("transformer_blocks.0")
        norm1 = try LayerNormLayer(block, "norm1", width: innerWidth)
        norm2 = try LayerNormLayer(block, "norm2", width: innerWidth)
        norm3 = try LayerNormLayer(block, "norm3", width: innerWidth)
        selfAttention = try AttentionLayer(block.scope("attn1"), width: innerWidth, contextWidth: innerWidth, heads: heads, projectionBias: false)
        // Hallo builds the three 1x1 convolutions in both forms; the single form never runs them.
        let convolutions = try ["zero_conv_full", "zero_conv_face", "zero_conv_lip"].map {
            try Conv2DLayer(block, $0, input: innerWidth, output: innerWidth, kernel: 1)
        }
        if masked {
            crossAttention = .masked(try (0..<3).map { index in
                (try AttentionLayer(block.scope("attn2_\(index)"), width: innerWidth, contextWidth: audioWidth, heads: heads, projectionBias: false),
                 PackedLinearWeight(convolutions[index].weight.reshaped([innerWidth, innerWidth]), precision: block.precision),
                 convolutions[index].bias)
            })
        } else {
            crossAttention = .single(try AttentionLayer(block.scope("attn2"), width: innerWidth, contextWidth: audioWidth, heads: heads, projectionBias: false))
        }
        feedForward = try GEGLUFeedForward(block.scope("ff"), width: innerWidth)
        self.level = level
    }

    var isMasked: Bool {
        if case .masked = crossAttention { return true }
        return false
    }

    /// `input` [N, C, h, w] (frames folded into N); `audio` [N, tokens, audioWidth], one item per frame;
    /// `masks` full, face and lip at this level, each [h * w] (used by the masked form only).
    func callAsFunction(_ input: Tensor, audio: Tensor, masks: [Tensor]) -> Tensor {
        frame(input) { transformerBlock($0, audio: audio, masks: masks) }
    }

    /// The transformer block between the projections, on tokens [N, h * w, innerWidth].
    func transformerBlock(_ input: Tensor, audio: Tensor, masks: [Tensor]) -> Tensor {
        var tokens = input
        tokens += selfAttention(norm1(tokens))
        let normed = norm2(tokens)
        switch crossAttention {
        case .single(let attention):
            tokens += attention(normed, context: audio)
        case .masked(let regions):
            for (region, mask) in zip(regions, masks) {
                tokens += region.attention(normed, context: audio).scalingPositions(by: mask)
                    .linear(region.weight, bias: region.bias)
            }
        }
        tokens += feedForward(norm3(tokens))
        return tokens
    }
}

extension Tensor {
    /// Tokens [N, L, C] with every channel of position l multiplied by `weights[l]` ([L]).
    func scalingPositions(by weights: Tensor) -> Tensor {
        precondition(rank == 3 && weights.count == shape[1], "cannot weight the positions of \(shape) by \(weights.shape)")
        var result = self
        let (positions, width) = (shape[1], shape[2])
        result.scalars.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<(shape[0] * positions) {
                let weight = weights.scalars[row % positions]
                let start = buffer.baseAddress! + row * width
                for channel in 0..<width { start[channel] *= weight }
            }
        }
        return result
    }
}
