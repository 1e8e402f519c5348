import Foundation
import MediaIO
import Tensors

/// Everything that decides one rendered clip, for an image checkpoint (frames sampled one by one) and for a
/// talking-head checkpoint (windows of frames driven by speech) alike; each renderer refuses what it cannot honour.
public struct ClipRequest: Sendable {
    /// Prompts from coarse to fine, one per progressive-guidance stage (splits.count + 1).
    public var prompts: [String]
    public var negativePrompt = ""
    /// The clip's length without speech; with speech a talking head has ceil(seconds · fps) frames instead.
    public var frames = 16
    public var fps = 25
    /// Frame (image checkpoints) or window (talking heads) k starts from `GaussianNoise(seed: seed + k)` unless
    /// `initialNoise` is given.
    public var seed: UInt64 = 0
    /// Initial latents [frames or 1, C, h, w] for an image checkpoint; a single item is used for every frame.
    public var initialNoise: Tensor?
    public var sampling = ProgressiveSampler.Parameters()
    /// The reference frame: the portrait whose identity a talking head's ReferenceNet carries into every frame,
    /// or, for an image checkpoint with `sampling.strength` < 1, the latent every frame starts from, noised.
    public var reference: RGBImage?
    /// Frame size in pixels; nil takes the checkpoint's default (512 for SD1.5).
    public var width: Int?
    public var height: Int?
    /// The speech: muxed into the MP4, and for a talking head the audio condition. nil renders `frames` frames with
    /// the audio condition left unconditional (zero tokens), and a silent MP4.
    public var audioPath: String?
    /// `audioPath` decoded at the audio encoder's rate (`ClipRenderer.prepare`), so it is read once.
    public var speech: AudioSamples?
    /// A talking head's window and the decoded frames each window hands to the next (Hallo's `clip_length`).
    public var window = WindowPlan.defaultWindow
    public var motionFrames = WindowPlan.defaultMotionFrames
    /// Hallo's full, face and lip masks at latent resolution; nil is all ones.
    public var masks: AudioMasks?
    public var clipSkip = 0

    public init(prompts: [String]) { self.prompts = prompts }
}
