import MediaIO
import Tensors

/// Everything that decides one talking-head clip.
public struct TalkingClipRequest: Sendable {
    /// Prompts from coarse to fine, one per progressive-guidance stage (splits.count + 1).
    public var prompts: [String]
    public var negativePrompt = ""
    /// The portrait whose identity the ReferenceNet carries into every frame.
    public var reference: RGBImage
    /// The speech that drives the clip; its length sets the frame count. nil renders `frames` frames with the
    /// audio condition left unconditional (zero tokens), and a silent MP4.
    public var audioPath: String?
    /// `audioPath` decoded at the audio encoder's rate (`TalkingClipRenderer.prepareSpeech`), so it is read once.
    public var speech: AudioSamples?
    public var frames = 16
    public var fps = 25
    public var window = WindowPlan.defaultWindow
    public var motionFrames = WindowPlan.defaultMotionFrames
    /// Window k starts from `GaussianNoise(seed: seed + k)`.
    public var seed: UInt64 = 0
    public var sampling = ProgressiveSampler.Parameters()
    /// Frame size in pixels; nil takes the checkpoint's default. Multiples of the VAE's scale times the UNet's.
    public var width: Int?
    public var height: Int?
    /// Hallo's full, face and lip masks at latent resolution; nil is all ones (tbd has no face parser).
    public var masks: AudioMasks?

    public init(prompts: [String], reference: RGBImage) {
        self.prompts = prompts
        self.reference = reference
    }
}
