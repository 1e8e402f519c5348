import FaceAnalysis
import Store

/// The face the check chose in a clip: the detection, the frame it was found in and how sharp it was there.
public struct ChosenFace: Sendable, Equatable {
    /// In the pixels of the clip's frame (not of the smaller copy the detector may have been given).
    public var face: DetectedFace
    /// Decoded frames from zero, as `FrameChoice.index` counts them: the unit's reference frame is this one.
    public var frameIndex: Int
    public var frameSeconds: Double?
    public var frameWidth: Int
    public var frameHeight: Int
    /// `FaceSharpness.laplacianVariance` of the face's crop.
    public var sharpness: Double

    /// The store's record of it.
    public var record: ReferenceFace {
        ReferenceFace(
            box: [face.box.x1, face.box.y1, face.box.x2, face.box.y2], probability: face.probability,
            landmarks: face.landmarks.map { [$0.x, $0.y] }, frameWidth: frameWidth, frameHeight: frameHeight,
            frameIndex: frameIndex, frameSeconds: frameSeconds, detector: FaceCheck.detectorIdentity)
    }
}
