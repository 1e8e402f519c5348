import Foundation
import Tensors

/// How audio lines up with video frames in Hallo: one feature per video frame, and per frame a window of its
/// neighbours.
@_spi(Development) public enum AudioFrameAlignment {
    /// Frame rates accepted from outside (configs, the command line).
    public static let fpsRange = 1.0...240.0
    /// Hallo's window: frames i - 2 ... i + 2.
    public static let windowRadius = 2

    /// ceil(samples / sampleRate * fps), in double, in that order, as Hallo's `math.ceil(len(audio) / 16000 * fps)`.
    public static func frameCount(samples: Int, sampleRate: Int, fps: Double) -> Int {
        Int((Double(samples) / Double(sampleRate) * fps).rounded(.up))
    }

    /// [frames, L, D] features to [frames, 2r + 1, L, D] windows: frame i's window holds frames i - r ... i + r,
    /// indices clamped to the first and last frame (Hallo's `process_audio_emb`). `range` picks the frames whose
    /// windows are wanted (all by default); neighbours are still clamped to the whole sequence.
    public static func windows(_ features: Tensor, radius: Int = windowRadius, range: Range<Int>? = nil) throws -> Tensor {
        guard features.rank >= 2, features.shape[0] > 0, radius >= 0 else {
            throw TensorError.shapeMismatch("audio windows need [frames, ...] features with at least one frame, got \(features.shape)")
        }
        let frames = features.shape[0]
        let wanted = range ?? 0..<frames
        guard wanted.lowerBound >= 0, wanted.upperBound <= frames, !wanted.isEmpty else {
            throw TensorError.shapeMismatch("audio windows for frames \(wanted) of \(frames)")
        }
        let perFrame = features.count / frames
        let span = 2 * radius + 1
        var result = [Float](repeating: 0, count: wanted.count * span * perFrame)
        features.scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for (row, frame) in wanted.enumerated() {
                    for offset in 0..<span {
                        let neighbour = min(max(frame + offset - radius, 0), frames - 1)
                        (target.baseAddress! + (row * span + offset) * perFrame)
                            .update(from: source.baseAddress! + neighbour * perFrame, count: perFrame)
                    }
                }
            }
        }
        return Tensor(shape: [wanted.count, span] + features.shape.dropFirst(), scalars: result)
    }
}
