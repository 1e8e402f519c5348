import CLIPTokenization
import Foundation
import Tensors

/// The parts of a diffusers Stable Diffusion 1.5-family folder that rendering uses, each loaded once.
public final class StableDiffusionModel: LatentDiffusionModel, @unchecked Sendable {
    @_spi(Development) public let folder: DiffusersModelFolder
    public let tokenizer: CLIPTokenizer
    @_spi(Development) public let textEncoder: CLIPTextModel
    @_spi(Development) public let unet: UNet2DConditionModel
    @_spi(Development) public let vae: AutoencoderKL
    public let scheduler: any Scheduler

    /// `sampler` picks the scheduler built from the checkpoint's scheduler_config.json (DDIM by default);
    /// `precision` the UNet's (text encoder and VAE stay Float32).
    public init(directory: URL, sampler: SamplerChoice = .ddim, precision: WeightPrecision = .f32) throws {
        folder = try DiffusersModelFolder(root: directory)
        tokenizer = try folder.tokenizer()
        textEncoder = try folder.textEncoder()
        unet = try UNet2DConditionModel(directory: folder.component("unet").directory, precision: precision)
        vae = try AutoencoderKL(directory: folder.component("vae").directory)
        scheduler = try folder.scheduler(for: sampler)
        guard unet.configuration.crossAttentionDim.allSatisfy({ $0 == textEncoder.configuration.hiddenSize }) else {
            throw ModelLoadingError.invalidConfiguration(
                "the UNet's cross_attention_dim \(unet.configuration.crossAttentionDim) differs from the text encoder's width \(textEncoder.configuration.hiddenSize)")
        }
        guard unet.configuration.inChannels == vae.configuration.latentChannels else {
            throw ModelLoadingError.invalidConfiguration("the UNet takes \(unet.configuration.inChannels) channels, the VAE makes \(vae.configuration.latentChannels)")
        }
    }

    public var latentSampleSize: Int? { unet.configuration.sampleSize }
}
