import Foundation
import Renderer
import Tensors

/// `--crop`: `face` cuts the reference to a square around its one dominant face (docs/faces.md) and gives a
/// talking head its face and lip masks; `none` takes the picture as it is, scaled to the frame size.
public enum ReferenceCrop: String, Sendable, CaseIterable {
    case face
    case none
}

/// Everything a rendering job does to each pair, checked once before any model is loaded.
public struct RenderSettings: Sendable {
    public var modelPath: String
    public var outputFolder: String
    public var steps = 40
    public var split = 0.4
    public var blend: ProgressiveGuidanceSchedule.Mode = .paper
    /// The paper blend's alpha bounds (Algorithm 1).
    public var alphaMax = ProgressiveGuidanceSchedule.defaultAlphaMax
    public var alphaMin = ProgressiveGuidanceSchedule.defaultAlphaMin
    public var sampler: SamplerChoice = .ddim
    /// The denoiser's number format (`--precision`): f32, or bf16 on AVX512-BF16.
    public var precision: WeightPrecision = .f32
    public var guidanceScale: Float = 3.5
    public var seed: UInt64 = 0
    /// A safetensors file whose "noise" tensor replaces the seeded initial latents.
    public var noisePath: String?
    /// Frames of a clip without speech; a talking-head clip with speech has ceil(seconds · fps).
    public var frames = 16
    public var fps = 25
    /// The talking-head renderer's window and the decoded frames carried from one window into the next.
    public var window = WindowPlan.defaultWindow
    public var motionFrames = WindowPlan.defaultMotionFrames
    /// Frame width and height; nil for the checkpoint's own.
    public var size: Int?
    /// nil, "auto" (the pair's source) or a path. A talking-head checkpoint takes nil as "auto".
    public var reference: String?
    public var strength: Float = 0.6
    /// How the reference is framed: nil takes `.face` for a talking head and `.none` for an image checkpoint.
    public var crop: ReferenceCrop?
    /// nil, "auto" (the pair's own speech), "none" or a path. A talking-head checkpoint takes nil as "auto".
    public var audio: String?
    /// Only pairs of this emotion.
    public var emotion: String?
    /// At most this many pairs.
    public var limit: Int?

    public init(modelPath: String, outputFolder: String) {
        self.modelPath = modelPath
        self.outputFolder = outputFolder
    }

    /// The ranges a render can run with; anything else is refused with the option's name.
    public func validate() throws {
        func refuse(_ message: String) -> RenderJobError { .invalidSettings(message) }
        guard (1...1000).contains(steps) else { throw refuse("--steps must be 1-1000, not \(steps)") }
        guard (1...10_000).contains(frames) else { throw refuse("--frames must be 1-10000, not \(frames)") }
        guard (1...240).contains(fps) else { throw refuse("--fps must be 1-240, not \(fps)") }
        do { _ = try WindowPlan(frames: frames, window: window, motionFrames: motionFrames) } catch {
            throw refuse("\(error)")
        }
        guard split > 0, split < 1 else { throw refuse("--split must be in (0, 1), not \(split)") }
        guard strength > 0, strength <= 1 else { throw refuse("--strength must be in (0, 1], not \(strength)") }
        guard guidanceScale.isFinite, (0...100).contains(guidanceScale) else { throw refuse("--cfg must be 0-100, not \(guidanceScale)") }
        if let size, !(8...4096).contains(size) || size % 8 != 0 { throw refuse("--size must be a multiple of 8 in 8-4096, not \(size)") }
        if let limit, limit < 0 { throw refuse("--limit must not be negative") }
        guard alphaMin.isFinite, alphaMax.isFinite, alphaMin >= 0, alphaMax <= 1, alphaMin <= alphaMax else {
            throw refuse("--alpha-min and --alpha-max need 0 <= alpha-min <= alpha-max <= 1, got \(alphaMin) and \(alphaMax)")
        }
    }
}
