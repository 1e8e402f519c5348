import Foundation
import Tensors

/// `denoising_unet/config.json`: the SD UNet keys (read by `UNetConfiguration`; Hallo's 3D block type names are
/// accepted for the 2D ones) plus every key of Hallo's `unet_additional_kwargs` (`configs/unet/unet.yaml`) at the
/// top level. Missing keys take the defaults of Hallo's `UNet3DConditionModel`: no motion or audio modules.
@_spi(Development) public struct VideoUNetConfiguration: ValidatedConfiguration, Sendable {
    public var unet = UNetConfiguration()
    public var useMotionModule = false
    public var motionModuleResolutions = [1, 2, 4, 8]
    public var motionModuleMidBlock = false
    public var motionModuleDecoderOnly = false
    public var motionModuleType = "Vanilla"
    var motionModule = MotionModule.Settings()
    public var useAudioModule = false
    public var audioAttentionDim = 1024
    /// Blocks ("down", "mid", "up") and depths whose audio modules take the masked form; otherwise the single form.
    public var stackEnableBlocksName: [String] = []
    public var stackEnableBlocksDepth: [Int] = []
    public var useInflatedGroupNorm = false
    var unsupported: [String] = []

    public var hasMotionModules: Bool { useMotionModule }
    public var hasAudioModules: Bool { useAudioModule }
    /// Frames (motion frames included) the motion modules' position encoding covers; nil without motion modules
    /// or position encoding.
    public var motionPositionLimit: Int? {
        useMotionModule && motionModule.positionEncoding ? motionModule.positionEncodingLength : nil
    }

    private enum CodingKeys: String, CodingKey {
        case useMotionModule = "use_motion_module", motionModuleResolutions = "motion_module_resolutions"
        case motionModuleMidBlock = "motion_module_mid_block", motionModuleDecoderOnly = "motion_module_decoder_only"
        case motionModuleType = "motion_module_type", motionModuleKwargs = "motion_module_kwargs"
        case useAudioModule = "use_audio_module", audioAttentionDim = "audio_attention_dim"
        case stackEnableBlocksName = "stack_enable_blocks_name", stackEnableBlocksDepth = "stack_enable_blocks_depth"
        case useInflatedGroupNorm = "use_inflated_groupnorm"
        case crossFrameAttention = "unet_use_cross_frame_attention", temporalAttention = "unet_use_temporal_attention"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        unet = try UNetConfiguration(from: decoder)
        // Hallo's 3D block names are the 2D blocks inflated per frame.
        func flat(_ type: String) -> String { type.replacingOccurrences(of: "3D", with: "2D") }
        unet.downBlockTypes = unet.downBlockTypes.map(flat)
        unet.upBlockTypes = unet.upBlockTypes.map(flat)
        unet.midBlockType = unet.midBlockType.map(flat)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        useMotionModule = try c.decodeIfPresent(Bool.self, forKey: .useMotionModule) ?? false
        motionModuleResolutions = try c.decodeIfPresent([Int].self, forKey: .motionModuleResolutions) ?? motionModuleResolutions
        motionModuleMidBlock = try c.decodeIfPresent(Bool.self, forKey: .motionModuleMidBlock) ?? false
        motionModuleDecoderOnly = try c.decodeIfPresent(Bool.self, forKey: .motionModuleDecoderOnly) ?? false
        motionModuleType = try c.decodeIfPresent(String.self, forKey: .motionModuleType) ?? motionModuleType
        motionModule = try c.decodeIfPresent(MotionModule.Settings.self, forKey: .motionModuleKwargs) ?? motionModule
        useAudioModule = try c.decodeIfPresent(Bool.self, forKey: .useAudioModule) ?? false
        audioAttentionDim = try c.decodeIfPresent(Int.self, forKey: .audioAttentionDim) ?? audioAttentionDim
        stackEnableBlocksName = try c.decodeIfPresent([String].self, forKey: .stackEnableBlocksName) ?? []
        stackEnableBlocksDepth = try c.decodeIfPresent([Int].self, forKey: .stackEnableBlocksDepth) ?? []
        useInflatedGroupNorm = try c.decodeIfPresent(Bool.self, forKey: .useInflatedGroupNorm) ?? false
        for key in [CodingKeys.crossFrameAttention, .temporalAttention] where try c.decodeIfPresent(Bool.self, forKey: key) == true {
            unsupported.append("\(key.rawValue) = true")
        }
    }

    public static func load(from url: URL) throws -> VideoUNetConfiguration {
        try loadValidated(from: url)
    }

    public func validate() throws {
        func fail(_ reason: String) -> ModelLoadingError { .invalidConfiguration("denoising UNet config: \(reason)") }
        try unet.validate()
        guard unsupported.isEmpty else { throw fail("unsupported settings: \(unsupported.joined(separator: ", "))") }
        guard unet.midBlockType != nil else { throw fail("Hallo's denoiser needs the middle block (mid_block_type)") }
        guard unet.transformerLayersPerBlock.allSatisfy({ $0 == 1 }) else { throw fail("Hallo's video blocks have one transformer layer each") }
        // Per-frame group norm is what Hallo's released model uses; norm across frames is not built.
        guard useInflatedGroupNorm else { throw fail("use_inflated_groupnorm must be true (group norm per frame)") }
        if useMotionModule {
            guard motionModuleType == "Vanilla" else { throw fail("motion_module_type \(motionModuleType) (only Vanilla)") }
            try motionModule.validate()
            for width in unet.blockOutChannels where width % MotionModule.groups != 0 {
                throw fail("block width \(width) does not split into the motion modules' \(MotionModule.groups) norm groups")
            }
        }
        if useAudioModule {
            try ConfigurationLimits.check(audioAttentionDim, ConfigurationLimits.contextWidth, "audio_attention_dim", in: "denoising UNet")
            if let bad = stackEnableBlocksName.first(where: { !["down", "mid", "up"].contains($0) }) { throw fail("stack_enable_blocks_name \(bad)") }
        }
    }

    /// Hallo's rule for the masked audio-attention form.
    func masksAudio(block: String, depth: Int) -> Bool {
        stackEnableBlocksName.contains(block) && stackEnableBlocksDepth.contains(depth)
    }
}
