import FileAccess
import Foundation
import Tensors

/// The fields of a diffusers `unet/config.json` (`UNet2DConditionModel`) that the SD1.5 family uses. Missing keys
/// take diffusers' defaults; settings outside the family (class or addition embeddings, other block types) are
/// refused by `validate()` rather than silently ignored.
@_spi(Development) public struct UNetConfiguration: ValidatedConfiguration, Equatable, Sendable {
    public var inChannels = 4
    public var outChannels = 4
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    public var upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    public var midBlockType: String? = "UNetMidBlock2DCrossAttn"
    /// Per down block (a single number in the file applies to every block).
    public var layersPerBlock = [2, 2, 2, 2]
    /// Heads per block. diffusers reads `num_attention_heads`, falling back to `attention_head_dim`, which in
    /// SD1.5 configs historically holds the head count (8), not the head width.
    public var attentionHeads = [8, 8, 8, 8]
    public var crossAttentionDim = [768, 768, 768, 768]
    public var transformerLayersPerBlock = [1, 1, 1, 1]
    public var normNumGroups = 32
    public var normEps: Double = 1e-5
    public var useLinearProjection = false
    public var flipSinToCos = true
    public var freqShift = 0
    public var downsamplePadding = 1
    public var sampleSize: Int? = 64
    /// Settings the SD1.5 family leaves at their defaults; anything else is refused.
    var unsupported: [String] = []

    public static let stableDiffusion15 = UNetConfiguration()

    public init() {}

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        func value<T: Decodable>(_ key: String, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: Key(key)) ?? fallback
        }
        inChannels = try value("in_channels", inChannels)
        outChannels = try value("out_channels", outChannels)
        blockOutChannels = try value("block_out_channels", blockOutChannels)
        downBlockTypes = try value("down_block_types", downBlockTypes)
        upBlockTypes = try value("up_block_types", upBlockTypes)
        midBlockType = c.contains(Key("mid_block_type")) ? try c.decodeIfPresent(String.self, forKey: Key("mid_block_type")) : midBlockType
        let blocks = blockOutChannels.count
        func perBlock(_ key: String, _ fallback: Int) throws -> [Int] {
            if let single = try? c.decode(Int.self, forKey: Key(key)) { return Array(repeating: single, count: blocks) }
            if let list = try? c.decode([Int].self, forKey: Key(key)) { return list }
            return Array(repeating: fallback, count: blocks)
        }
        layersPerBlock = try perBlock("layers_per_block", 2)
        let headKey = (try? c.decodeNil(forKey: Key("num_attention_heads"))) == false ? "num_attention_heads" : "attention_head_dim"
        attentionHeads = try perBlock(headKey, 8)
        crossAttentionDim = try perBlock("cross_attention_dim", 768)
        transformerLayersPerBlock = try perBlock("transformer_layers_per_block", 1)
        normNumGroups = try value("norm_num_groups", normNumGroups)
        normEps = try value("norm_eps", normEps)
        useLinearProjection = try value("use_linear_projection", useLinearProjection)
        flipSinToCos = try value("flip_sin_to_cos", flipSinToCos)
        freqShift = try value("freq_shift", freqShift)
        downsamplePadding = try value("downsample_padding", downsamplePadding)
        sampleSize = try? c.decodeIfPresent(Int.self, forKey: Key("sample_size"))
        let expectedDefaults: [(String, String)] = [
            ("class_embed_type", "null"), ("addition_embed_type", "null"), ("time_embedding_type", "positional"),
            ("act_fn", "silu"), ("resnet_time_scale_shift", "default"), ("encoder_hid_dim", "null"),
            ("time_embedding_dim", "null"), ("conv_in_kernel", "3"), ("conv_out_kernel", "3"),
            ("center_input_sample", "false"), ("only_cross_attention", "false"), ("dual_cross_attention", "false"),
            ("mid_block_scale_factor", "1"), ("num_class_embeds", "null"), ("timestep_post_act", "null"),
            ("time_cond_proj_dim", "null"), ("cross_attention_norm", "null"), ("attention_type", "default"),
            ("resnet_skip_time_act", "false"), ("resnet_out_scale_factor", "1"), ("encoder_hid_dim_type", "null"),
            ("addition_time_embed_dim", "null"), ("reverse_transformer_layers_per_block", "null"),
            ("class_embeddings_concat", "false"), ("mid_block_only_cross_attention", "null"),
        ]
        for (key, expected) in expectedDefaults where c.contains(Key(key)) {
            let found: String
            if (try? c.decodeNil(forKey: Key(key))) == true { found = "null" }
            else if let text = try? c.decode(String.self, forKey: Key(key)) { found = text }
            else if let flag = try? c.decode(Bool.self, forKey: Key(key)) { found = String(flag) }
            else if let number = try? c.decode(Double.self, forKey: Key(key)) { found = number == number.rounded() ? String(Int(number)) : String(number) }
            else { found = "a list" }
            if found != expected { unsupported.append("\(key) = \(found)") }
        }
    }

    public static func load(from url: URL) throws -> UNetConfiguration {
        try loadValidated(from: url)
    }

    public func validate() throws {
        let blocks = blockOutChannels.count
        func fail(_ reason: String) -> ModelLoadingError { .invalidConfiguration("UNet config: \(reason)") }
        guard unsupported.isEmpty else { throw fail("unsupported settings: \(unsupported.joined(separator: ", "))") }
        guard blocks > 0, downBlockTypes.count == blocks, upBlockTypes.count == blocks else {
            throw fail("block_out_channels, down_block_types and up_block_types differ in length")
        }
        guard [layersPerBlock, attentionHeads, crossAttentionDim, transformerLayersPerBlock].allSatisfy({ $0.count == blocks }) else {
            throw fail("per-block lists must have \(blocks) entries")
        }
        if let bad = downBlockTypes.first(where: { !["CrossAttnDownBlock2D", "DownBlock2D"].contains($0) }) { throw fail("down block type \(bad)") }
        if let bad = upBlockTypes.first(where: { !["CrossAttnUpBlock2D", "UpBlock2D"].contains($0) }) { throw fail("up block type \(bad)") }
        if let mid = midBlockType, mid != "UNetMidBlock2DCrossAttn" { throw fail("mid block type \(mid)") }
        try checkRanges()
        guard blockOutChannels[0] % 2 == 0 else { throw fail("the first block width must be even (timestep embedding)") }
    }

    /// Every size within `ConfigurationLimits`, and the widths divisible by the group and head counts, so
    /// building the network cannot trap or allocate without bound.
    func checkRanges() throws {
        let name = "UNet"
        try ConfigurationLimits.check(blockOutChannels.count, ConfigurationLimits.blocks, "the number of blocks", in: name)
        try ConfigurationLimits.check(inChannels, ConfigurationLimits.imageChannels, "in_channels", in: name)
        try ConfigurationLimits.check(outChannels, ConfigurationLimits.imageChannels, "out_channels", in: name)
        try ConfigurationLimits.check(blockOutChannels, ConfigurationLimits.channels, "block_out_channels", in: name)
        try ConfigurationLimits.check(layersPerBlock, ConfigurationLimits.layersPerBlock, "layers_per_block", in: name)
        try ConfigurationLimits.check(attentionHeads, ConfigurationLimits.attentionHeads, "num_attention_heads", in: name)
        try ConfigurationLimits.check(crossAttentionDim, ConfigurationLimits.contextWidth, "cross_attention_dim", in: name)
        try ConfigurationLimits.check(transformerLayersPerBlock, ConfigurationLimits.transformerLayersPerBlock,
                                      "transformer_layers_per_block", in: name)
        try ConfigurationLimits.check(normNumGroups, ConfigurationLimits.normGroups, "norm_num_groups", in: name)
        try ConfigurationLimits.check(freqShift, ConfigurationLimits.frequencyShift, "freq_shift", in: name)
        try ConfigurationLimits.check(downsamplePadding, ConfigurationLimits.padding, "downsample_padding", in: name)
        if let sampleSize { try ConfigurationLimits.check(sampleSize, ConfigurationLimits.sampleSize, "sample_size", in: name) }
        try ConfigurationLimits.checkPositive(normEps, below: 1, "norm_eps", in: name)
        for (width, heads) in zip(blockOutChannels, attentionHeads) where width % normNumGroups != 0 || width % heads != 0 {
            throw ModelLoadingError.invalidConfiguration(
                "UNet config: block width \(width) must be divisible by norm_num_groups (\(normNumGroups)) and its head count (\(heads))")
        }
    }

    /// A lower bound on the scalars these settings need: the second 3x3 convolution of every ResNet block and the
    /// four projections of every self-attention. Only called after `checkRanges`, so nothing overflows.
    var minimumParameterCount: Int {
        var count = 0
        for (index, width) in blockOutChannels.enumerated() {
            count += layersPerBlock[index] * 9 * width * width
            if downBlockTypes[index] == "CrossAttnDownBlock2D" {
                count += layersPerBlock[index] * transformerLayersPerBlock[index] * 4 * width * width
            }
        }
        for (index, width) in blockOutChannels.reversed().enumerated() {
            count += (layersPerBlock.reversed()[index] + 1) * 9 * width * width
        }
        return count
    }
}
