import Foundation
import MediaIO
import Tensors

/// Everything that decides one rendered clip.
public struct ClipRequest: Sendable {
    /// Prompts from coarse to fine, one per progressive-guidance stage (splits.count + 1).
    public var prompts: [String]
    public var negativePrompt = ""
    public var frames = 16
    public var fps = 25
    /// Frame f starts from `GaussianNoise(seed: seed + f)` unless `initialNoise` is given.
    public var seed: UInt64 = 0
    /// Initial latents [frames or 1, C, h, w]; a single item is used for every frame.
    public var initialNoise: Tensor?
    public var sampling = ProgressiveSampler.Parameters()
    /// The reference frame; with `sampling.strength` < 1 every frame starts from its VAE latent, noised.
    public var reference: RGBImage?
    /// Frame size in pixels; nil takes the checkpoint's default (512 for SD1.5). Multiples of the VAE's scale.
    public var width: Int?
    public var height: Int?
    public var audioPath: String?
    public var clipSkip = 0

    public init(prompts: [String]) { self.prompts = prompts }
}

/// Where a clip went and what it took.
public struct ClipResult: Sendable, Codable, Equatable {
    public let videoPath: String
    public let firstFramePath: String
    public let contactSheetPath: String
    public let frames: Int
    public let width: Int
    public let height: Int
    public let codec: String
    public let seconds: Double
    public let secondsPerFrame: Double
}

/// A progress report after each denoising step.
public struct RenderProgress: Sendable, Equatable {
    /// What `frame` counts: frames sampled one by one, or the talking-head renderer's windows.
    public enum Unit: String, Sendable {
        case frame, window
    }

    /// The frame (or window) being sampled, from 0.
    public let frame: Int
    public let frameCount: Int
    public let step: Int
    public let stepCount: Int
    public let elapsedSeconds: Double
    public var unit = Unit.frame
    /// The first frame (or window) this run samples: earlier ones were finished by a run that was stopped.
    public var firstFrame = 0

    public init(frame: Int, frameCount: Int, step: Int, stepCount: Int, elapsedSeconds: Double,
                unit: Unit = .frame, firstFrame: Int = 0) {
        self.frame = frame
        self.frameCount = frameCount
        self.step = step
        self.stepCount = stepCount
        self.elapsedSeconds = elapsedSeconds
        self.unit = unit
        self.firstFrame = firstFrame
    }

    /// Finished steps over all steps of the clip.
    public var fraction: Double { Double(frame * stepCount + step) / Double(max(1, frameCount * stepCount)) }

    /// Seconds left at this run's rate so far (nil before its first step finishes).
    public var remainingSeconds: Double? {
        let done = Double((frame - firstFrame) * stepCount + step)
        let left = Double(frameCount * stepCount) - Double(frame * stepCount + step)
        return done > 0 ? elapsedSeconds * left / done : nil
    }
}

public enum RenderError: Error, Equatable, CustomStringConvertible {
    case cancelled
    case invalid(String)
    /// The network produced NaN or infinity: the weights are damaged or do not fit the configuration.
    case nonFinite(String)

    public var description: String {
        switch self {
        case .cancelled: return "rendering was cancelled; no partial files were kept"
        case .invalid(let reason): return "invalid render request: \(reason)"
        case .nonFinite(let what): return "the model produced NaN or infinite values in \(what); its weights are damaged or do not fit its configuration"
        }
    }
}
