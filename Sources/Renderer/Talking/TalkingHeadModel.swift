import CLIPTokenization
import Foundation
import Tensors

/// The parts of a talking-head checkpoint (`TalkingHeadCheckpoint`) that rendering uses, each loaded once.
public final class TalkingHeadModel: LatentDiffusionModel, @unchecked Sendable {
    @_spi(Development) public let checkpoint: TalkingHeadCheckpoint
    public let tokenizer: CLIPTokenizer
    @_spi(Development) public let textEncoder: CLIPTextModel
    @_spi(Development) public let referenceNet: ReferenceNet
    @_spi(Development) public let unet: VideoUNet
    @_spi(Development) public let vae: AutoencoderKL
    /// The speech encoder and the projection to audio tokens; nil when the denoiser has no audio modules.
    @_spi(Development) public let audioEncoder: Wav2Vec2Model?
    @_spi(Development) public let audioProjection: AudioProjectionModel?
    public let scheduler: any Scheduler

    /// `sampler` picks the scheduler built from the checkpoint's scheduler_config.json (DDIM by default).
    /// `precision` is the denoising UNet's (the other networks stay Float32).
    public init(directory: URL, sampler: SamplerChoice = .ddim, precision: WeightPrecision = .f32) throws {
        checkpoint = try TalkingHeadCheckpoint(directory: directory)
        tokenizer = try checkpoint.tokenizer()
        textEncoder = try checkpoint.textEncoder()
        referenceNet = try checkpoint.referenceNet()
        unet = try checkpoint.videoUNet(precision: precision)
        vae = try checkpoint.vae()
        if unet.configuration.hasAudioModules {
            audioEncoder = try checkpoint.audioEncoder()
            audioProjection = try checkpoint.audioProjection()
        } else {
            audioEncoder = nil
            audioProjection = nil
        }
        scheduler = try checkpoint.scheduler(for: sampler)
    }

    /// Whether `directory` holds a talking-head checkpoint (by its model_index.json) rather than an image pipeline.
    public static func isTalkingHead(directory: URL) -> Bool {
        (try? DiffusersModelFolder(root: directory).pipelineClass) == TalkingHeadCheckpoint.pipelineClass
    }

    public var latentSampleSize: Int? { unet.configuration.unet.sampleSize }
}
