/// How a clip is cut into windows the denoiser sees at once (Hallo's `clip_length`): `window` frames each, the
/// last `motionFrames` decoded frames of each window carried into the next as motion context, the last window
/// padded to full length and its padding dropped from the output.
public struct WindowPlan: Sendable, Equatable {
    public static let defaultWindow = 16
    public static let defaultMotionFrames = 2

    public let frames: Int
    public let window: Int
    public let motionFrames: Int

    public init(frames: Int, window: Int = defaultWindow, motionFrames: Int = defaultMotionFrames) throws {
        guard frames > 0 else { throw RenderError.invalid("a clip needs at least one frame, not \(frames)") }
        // The motion modules' position encoding bounds window + motion frames; the renderer checks that against
        // the checkpoint. This bound only keeps absurd values out before a model is loaded.
        guard (1...256).contains(window) else { throw RenderError.invalid("--window must be 1-256 frames, not \(window)") }
        guard (0...window).contains(motionFrames) else {
            throw RenderError.invalid("--motion-frames must be 0-\(window) (the window), not \(motionFrames)")
        }
        self.frames = frames
        self.window = window
        self.motionFrames = motionFrames
    }

    public var windowCount: Int { (frames + window - 1) / window }

    /// Frames the denoiser produces: whole windows.
    public var paddedFrames: Int { windowCount * window }

    /// The clip frames window `index` contributes (the last one fewer than `window` when padded).
    public func keptFrames(ofWindow index: Int) -> Range<Int> {
        (index * window)..<min(frames, (index + 1) * window)
    }
}
