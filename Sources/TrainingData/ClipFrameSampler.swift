import FaceAnalysis
import Foundation
import MediaIO

/// A clip's frames at the training rate, cut to the square around the face of its first frame and scaled to the
/// training size: frame k is the one on screen at k / fps seconds (the last decoded frame whose time is not after
/// it), as `FrameChoice.time` picks one. One crop for the whole clip keeps the head's motion in the frames.
/// The face is the batch's (from the store) for the clip it was found in, else the first frame's.
struct ClipFrameSampler {
    let size: Int
    let fps: Int

    struct Sampled {
        /// Frames as RGB bytes, row by row, `size` x `size` each.
        var frames: [Data] = []
        var face: DetectedFace?
        var crop: PortraitCrop?
    }

    /// nil face: the clip's first frame has no dominant face (the reason is `FaceChoice.problem`). KNOWN is the face
    /// the batch found in this clip (kept in the store): used for the crop, instead of a detection, when the frames
    /// have the size it was found at.
    func sample(path: String, known: DetectedFace?, knownSize: (width: Int, height: Int)?,
                detector: FaceDetector) throws -> (Sampled, problem: String?) {
        var sampled = Sampled()
        var problem: String?
        var previous: (seconds: Double, image: RGBImage)?
        let halfTick = 0.5 / Double(fps)
        func emit(_ image: RGBImage) throws {
            guard let crop = sampled.crop else { return }
            sampled.frames.append(Data(try crop.apply(to: image, size: size).pixels))
        }
        try FrameReader.forEachFrame(path: path) { _, seconds, image in
            if sampled.crop == nil {
                let stored = knownSize.map { $0 == (image.width, image.height) } ?? false ? known : nil
                let choice = try stored.map(FaceChoice.face) ?? FaceChoice(try detector.detect(image))
                guard let face = choice.face else {
                    problem = choice.problem
                    return false
                }
                sampled.face = face
                sampled.crop = PortraitCrop(around: face, imageWidth: image.width, imageHeight: image.height)
            }
            // Every training time up to this frame's is shown by the frame before it.
            if let previous {
                while Double(sampled.frames.count) / Double(fps) < seconds - halfTick { try emit(previous.image) }
            }
            previous = (seconds, image)
            return true
        }
        if problem == nil, let previous {
            // The last frame is on screen for one frame interval of the source at most; one training frame more
            // when its time falls inside it.
            while Double(sampled.frames.count) / Double(fps) <= previous.seconds + halfTick { try emit(previous.image) }
        }
        return (sampled, problem)
    }
}
