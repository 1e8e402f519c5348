import Foundation
import MediaIO
import Tensors

/// A checkpoint that turns a clip request into decoded frames, one window at a time: a window of one frame for an
/// image checkpoint, `request.window` frames for a talking head. Renderers write no files: whoever drives them
/// keeps the windows, writes the video and resumes a stopped clip (`RenderingJobs`).
public protocol ClipRenderer: AnyObject {
    /// What the clip's progress counts: frames or windows.
    var progressUnit: RenderProgress.Unit { get }
    /// The frame size a request without one gets.
    var defaultImageSize: Int { get }
    /// What the user should know about the checkpoint (the parts it lacks).
    var notices: [String] { get }

    /// Reads what decides the clip's length (the speech, decoded once into `request.speech`) and plans its windows.
    /// A file that cannot be read fails here, before anything is sampled.
    func prepare(_ request: ClipRequest) throws -> PreparedClip

    /// Checks the request against the checkpoint and computes what every window shares (prompt embeddings, the
    /// portrait's latent); throws before any sampling or file when the request cannot be rendered.
    func windows(of clip: PreparedClip) throws -> any ClipWindowSampler
}

/// Samples and decodes the windows of one prepared clip, in order from any first window.
public protocol ClipWindowSampler {
    /// The kept frames of window `index`. `keptFrame(window, position)` reads a frame of an earlier window (the
    /// motion frames, also when a stopped clip resumes); `step(done, total)` is called after each denoising step
    /// and may throw (`RenderError.cancelled`) to stop.
    func window(_ index: Int, keptFrame: (Int, Int) throws -> RGBImage,
                step: (Int, Int) throws -> Void) throws -> [RGBImage]
}

/// A request with its length fixed and its windows planned.
public struct PreparedClip: Sendable {
    public var request: ClipRequest
    public let plan: WindowPlan
    public let width: Int
    public let height: Int
}

/// The renderer for a checkpoint folder: a talking-head checkpoint (by its model_index.json) gets the video
/// renderer, any other diffusers SD1.5-family folder the per-frame sampler. `precision` is the denoiser's.
public func loadClipRenderer(directory: URL, sampler: SamplerChoice, precision: WeightPrecision = .f32) throws -> any ClipRenderer {
    if TalkingHeadModel.isTalkingHead(directory: directory) {
        return TalkingClipRenderer(model: try TalkingHeadModel(directory: directory, sampler: sampler, precision: precision))
    }
    return ImageClipRenderer(model: try StableDiffusionModel(directory: directory, sampler: sampler, precision: precision))
}
