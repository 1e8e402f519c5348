import Foundation

/// The face a batch run found in a unit's reference frame: MTCNN's box, probability and five landmarks, in the
/// pixels of the frame it was found in, with which frame that was and which detector found it.
///
/// The store's own plain record (the store does not link the face detector): `box` is `[x1, y1, x2, y2]`,
/// `landmarks` five `[x, y]` points (left eye, right eye, nose, left mouth corner, right mouth corner).
public struct ReferenceFace: Codable, Sendable, Equatable {
    public var box: [Double]
    public var probability: Double
    public var landmarks: [[Double]]
    /// The size of the frame the coordinates are in.
    public var frameWidth: Int
    public var frameHeight: Int
    /// The frame's index in the clip (decoded frames from zero in display order; 0 for a still image).
    public var frameIndex: Int
    /// The frame's time in seconds, when the clip has a frame rate.
    public var frameSeconds: Double?
    /// Which detector and weights found it, e.g. "mtcnn facenet-pytorch 2.6.0".
    public var detector: String
    /// When it was recorded; set by the store.
    public var detectedAt: Date?

    public init(
        box: [Double], probability: Double, landmarks: [[Double]], frameWidth: Int, frameHeight: Int, frameIndex: Int,
        frameSeconds: Double? = nil, detector: String, detectedAt: Date? = nil
    ) {
        self.box = box
        self.probability = probability
        self.landmarks = landmarks
        self.frameWidth = frameWidth
        self.frameHeight = frameHeight
        self.frameIndex = frameIndex
        self.frameSeconds = frameSeconds
        self.detector = detector
        self.detectedAt = detectedAt
    }

    /// The reasons this record cannot be stored; empty when it can. A face with a broken box would crop the
    /// review picture to nonsense, so nothing of the kind is written.
    public var problems: [String] {
        var problems: [String] = []
        if box.count != 4 || !box.allSatisfy(\.isFinite) {
            problems.append("box must be four finite numbers x1, y1, x2, y2 (got \(box))")
        } else if box[2] < box[0] || box[3] < box[1] {
            problems.append("box must have x2 >= x1 and y2 >= y1 (got \(box))")
        }
        if !probability.isFinite || !(0...1).contains(probability) {
            problems.append("probability must lie in 0...1 (got \(probability))")
        }
        if landmarks.count != 5 || !landmarks.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isFinite) }) {
            problems.append("landmarks must be five points of two finite numbers each")
        }
        if frameWidth < 1 || frameHeight < 1 { problems.append("frame size \(frameWidth)x\(frameHeight) must be positive") }
        if frameIndex < 0 { problems.append("frame index \(frameIndex) must not be negative") }
        if let seconds = frameSeconds, !seconds.isFinite || seconds < 0 {
            problems.append("frame time \(seconds) s must be a non-negative number")
        }
        if detector.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("detector must name the detector") }
        return problems
    }
}
