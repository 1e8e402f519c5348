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
