import Foundation
import Tensors

/// AnimateDiff's "Vanilla" motion module (`VanillaTemporalModule` in Hallo): per-frame group norm (32 groups),
/// a linear projection in, temporal transformer blocks (each: temporal self-attentions with sinusoidal position
/// encoding, then a GEGLU feed-forward, each residual), a linear projection out, and the residual. The attention
/// runs along the frames of each spatial position: every position of every sequence is one attention item.
struct MotionModule {
    /// `motion_module_kwargs` of Hallo's unet config, with `VanillaTemporalModule`'s defaults.
    struct Settings: Decodable, Equatable, Sendable {
        var heads = 8
        var blocks = 2
        var attentionBlockTypes = ["Temporal_Self", "Temporal_Self"]
        var positionEncoding = false
        var positionEncodingLength = 24
        var attentionWidthDivisor = 1
        /// AnimateDiff's cross-frame attention modes are not built; any value is refused.
        var crossFrameAttentionMode: String?

        enum CodingKeys: String, CodingKey {
            case heads = "num_attention_heads", blocks = "num_transformer_block"
            case attentionBlockTypes = "attention_block_types", positionEncoding = "temporal_position_encoding"
            case positionEncodingLength = "temporal_position_encoding_max_len"
            case attentionWidthDivisor = "temporal_attention_dim_div"
            case crossFrameAttentionMode = "cross_frame_attention_mode"
        }

        init() {}

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? heads
            blocks = try c.decodeIfPresent(Int.self, forKey: .blocks) ?? blocks
            attentionBlockTypes = try c.decodeIfPresent([String].self, forKey: .attentionBlockTypes) ?? attentionBlockTypes
            positionEncoding = try c.decodeIfPresent(Bool.self, forKey: .positionEncoding) ?? positionEncoding
            positionEncodingLength = try c.decodeIfPresent(Int.self, forKey: .positionEncodingLength) ?? positionEncodingLength
            attentionWidthDivisor = try c.decodeIfPresent(Int.self, forKey: .attentionWidthDivisor) ?? attentionWidthDivisor
            crossFrameAttentionMode = try c.decodeIfPresent(String.self, forKey: .crossFrameAttentionMode)
        }

        func validate() throws {
            func fail(_ reason: String) -> ModelLoadingError { .invalidConfiguration("denoising UNet config: motion_module_kwargs \(reason)") }
            // A module without attention would load (its weights unread) and pass every frame through unchanged.
            guard !attentionBlockTypes.isEmpty else { throw fail("attention_block_types lists no attention blocks") }
            if let bad = attentionBlockTypes.first(where: { $0 != "Temporal_Self" }) { throw fail("attention block type \(bad) (only Temporal_Self)") }
            if let mode = crossFrameAttentionMode { throw fail("cross_frame_attention_mode \(mode) (not supported)") }
            guard ConfigurationLimits.attentionHeads.contains(heads) else { throw fail("num_attention_heads \(heads)") }
            guard ConfigurationLimits.transformerLayersPerBlock.contains(blocks) else { throw fail("num_transformer_block \(blocks)") }
            guard ConfigurationLimits.positions.contains(positionEncodingLength) else { throw fail("temporal_position_encoding_max_len \(positionEncodingLength)") }
            guard (1...64).contains(attentionWidthDivisor) else { throw fail("temporal_attention_dim_div \(attentionWidthDivisor)") }
        }
    }

    /// One temporal self-attention with its layer norm and (optionally) its position table [max_len, width].
    struct TemporalAttention {
        let norm: LayerNormLayer
        let attention: AttentionLayer
        let positions: Tensor?
    }

    struct TemporalBlock {
        let attentions: [TemporalAttention]
        let feedForwardNorm: LayerNormLayer
        let feedForward: GEGLUFeedForward
    }

    /// Hallo's `TemporalTransformer3DModel` keeps PyTorch's default of 32 groups (`VanillaTemporalModule` does not pass one).
    static let groups = 32

    let frame: TokenProjection
    let blocks: [TemporalBlock]
    let maximumFrames: Int?

    /// `weights` is the module's scope (`...motion_modules.N`).
    init(_ weights: WeightReader, channels: Int, settings: Settings) throws {
        let heads = settings.heads
        let width = heads * (channels / heads / settings.attentionWidthDivisor)
        guard width > 0 else {
            throw ModelLoadingError.invalidConfiguration("motion module \(weights.prefix): \(channels) channels leave no width for \(heads) heads")
        }
        let scope = weights.scope("temporal_transformer")
        frame = try TokenProjection(scope, channels: channels, innerWidth: width, groups: Self.groups, linearProjection: true)
        blocks = try (0..<settings.blocks).map { index in
            let block = scope.scope("transformer_blocks.\(index)")
            let attentions = try settings.attentionBlockTypes.indices.map { kind in
                let attentionScope = block.scope("attention_blocks.\(kind)")
                return TemporalAttention(
                    norm: try LayerNormLayer(block, "norms.\(kind)", width: width),
                    attention: try AttentionLayer(attentionScope, width: width, contextWidth: width, heads: heads, projectionBias: false),
                    // PyTorch saves the table as a buffer, so a checkpoint's own values are the ones Hallo runs with.
                    positions: settings.positionEncoding
                        ? try attentionScope("pos_encoder.pe", shape: [1, settings.positionEncodingLength, width])
                            .reshaped([settings.positionEncodingLength, width])
                        : nil)
            }
            return TemporalBlock(attentions: attentions, feedForwardNorm: try LayerNormLayer(block, "ff_norm", width: width),
                                 feedForward: try GEGLUFeedForward(block.scope("ff"), width: width))
        }
        maximumFrames = settings.positionEncoding ? settings.positionEncodingLength : nil
    }

    /// AnimateDiff's `PositionalEncoding` table [length, width]: sin at even, cos at odd features, of
    /// position * exp(-ln(10000) * 2i / width), in float32 as PyTorch builds it.
    static func sinusoidalTable(length: Int, width: Int) -> Tensor {
        let step = Float(-log(10_000.0) / Double(width))
        var values = [Float](repeating: 0, count: length * width)
        for position in 0..<length {
            for pair in stride(from: 0, to: width, by: 2) {
                let angle = Float(position) * Foundation.exp(Float(pair) * step)
                values[position * width + pair] = sin(angle)
                if pair + 1 < width { values[position * width + pair + 1] = cos(angle) }
            }
        }
        return Tensor(shape: [length, width], scalars: values)
    }

    /// `input` [S * frames, C, h, w]: S sequences of `frames` frames each, frames folded into the batch.
    func callAsFunction(_ input: Tensor, frames: Int) throws -> Tensor {
        if let maximumFrames, frames > maximumFrames {
            throw TensorError.shapeMismatch("\(frames) frames exceed the motion module's position encoding (\(maximumFrames))")
        }
        let sequences = input.shape[0] / frames
        let positions = input.shape[2] * input.shape[3]
        return frame(input) { tokens in
            var tokens = tokens
            let width = tokens.shape[2]
            for block in blocks {
                for temporal in block.attentions {
                    var sequence = temporal.norm(tokens)
                        .swappingMiddleAxes(outer: sequences, first: frames, second: positions, inner: width)
                        .reshaped([sequences * positions, frames, width])
                    if let table = temporal.positions { sequence = sequence + table.batchItems(0..<frames) }
                    tokens += temporal.attention(sequence)
                        .swappingMiddleAxes(outer: sequences, first: positions, second: frames, inner: width)
                        .reshaped(tokens.shape)
                }
                tokens += block.feedForward(block.feedForwardNorm(tokens))
            }
            return tokens
        }
    }
}
