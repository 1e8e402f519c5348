import FileAccess
import Foundation
import Tensors

/// The fields of a diffusers `vae/config.json` (`AutoencoderKL`) with diffusers' defaults for missing keys.
@_spi(Development) public struct AutoencoderKLConfiguration: ValidatedConfiguration, Equatable, Sendable {
    public var inChannels = 3
    public var outChannels = 3
    public var latentChannels = 4
    public var blockOutChannels = [128, 256, 512, 512]
    public var layersPerBlock = 2
    public var normNumGroups = 32
    /// Latents are `mean * scalingFactor` for the UNet and divided by it before decoding (SD1.5: 0.18215).
    public var scalingFactor: Double = 0.18215
    public var shiftFactor: Double?
    public var useQuantConv = true
    public var usePostQuantConv = true

    public static let stableDiffusion15 = AutoencoderKLConfiguration()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", latentChannels = "latent_channels"
        case blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block", normNumGroups = "norm_num_groups"
        case scalingFactor = "scaling_factor", shiftFactor = "shift_factor", useQuantConv = "use_quant_conv"
        case usePostQuantConv = "use_post_quant_conv", downBlockTypes = "down_block_types", upBlockTypes = "up_block_types"
        case midBlockAddAttention = "mid_block_add_attention"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? inChannels
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? outChannels
        latentChannels = try c.decodeIfPresent(Int.self, forKey: .latentChannels) ?? latentChannels
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? blockOutChannels
        layersPerBlock = try c.decodeIfPresent(Int.self, forKey: .layersPerBlock) ?? layersPerBlock
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? normNumGroups
        scalingFactor = try c.decodeIfPresent(Double.self, forKey: .scalingFactor) ?? scalingFactor
        shiftFactor = try c.decodeIfPresent(Double.self, forKey: .shiftFactor)
        useQuantConv = try c.decodeIfPresent(Bool.self, forKey: .useQuantConv) ?? useQuantConv
        usePostQuantConv = try c.decodeIfPresent(Bool.self, forKey: .usePostQuantConv) ?? usePostQuantConv
        let blocks = blockOutChannels.count
        let down = try c.decodeIfPresent([String].self, forKey: .downBlockTypes) ?? Array(repeating: "DownEncoderBlock2D", count: blocks)
        let up = try c.decodeIfPresent([String].self, forKey: .upBlockTypes) ?? Array(repeating: "UpDecoderBlock2D", count: blocks)
        guard down.count == blocks, up.count == blocks, down.allSatisfy({ $0 == "DownEncoderBlock2D" }),
              up.allSatisfy({ $0 == "UpDecoderBlock2D" }) else {
            throw ModelLoadingError.invalidConfiguration("VAE config: only DownEncoderBlock2D / UpDecoderBlock2D layouts with one entry per block_out_channels are supported")
        }
        if try c.decodeIfPresent(Bool.self, forKey: .midBlockAddAttention) == false {
            throw ModelLoadingError.invalidConfiguration("VAE config: mid_block_add_attention = false is not supported")
        }
    }

    public static func load(from url: URL) throws -> AutoencoderKLConfiguration {
        try loadValidated(from: url)
    }

    /// Every size within `ConfigurationLimits`, the widths divisible by the group count, the factors finite.
    public func validate() throws {
        let name = "VAE"
        try ConfigurationLimits.check(blockOutChannels.count, ConfigurationLimits.blocks, "the number of blocks", in: name)
        try ConfigurationLimits.check(inChannels, ConfigurationLimits.imageChannels, "in_channels", in: name)
        try ConfigurationLimits.check(outChannels, ConfigurationLimits.imageChannels, "out_channels", in: name)
        try ConfigurationLimits.check(latentChannels, ConfigurationLimits.imageChannels, "latent_channels", in: name)
        try ConfigurationLimits.check(blockOutChannels, ConfigurationLimits.channels, "block_out_channels", in: name)
        try ConfigurationLimits.check(layersPerBlock, ConfigurationLimits.layersPerBlock, "layers_per_block", in: name)
        try ConfigurationLimits.check(normNumGroups, ConfigurationLimits.normGroups, "norm_num_groups", in: name)
        try ConfigurationLimits.checkPositive(scalingFactor, below: 1000, "scaling_factor", in: name)
        if let shiftFactor, !shiftFactor.isFinite {
            throw ModelLoadingError.invalidConfiguration("VAE config: shift_factor must be a finite number")
        }
        if let width = blockOutChannels.first(where: { $0 % normNumGroups != 0 }) {
            throw ModelLoadingError.invalidConfiguration("VAE config: block width \(width) must be divisible by norm_num_groups (\(normNumGroups))")
        }
    }

    /// A lower bound on the scalars these settings need: the second 3x3 convolution of every ResNet block of the
    /// encoder and the decoder (one more per decoder block). Only called after `validate`.
    var minimumParameterCount: Int {
        blockOutChannels.reduce(0) { $0 + (2 * layersPerBlock + 1) * 9 * $1 * $1 }
    }
}
