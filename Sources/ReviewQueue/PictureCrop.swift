import FaceAnalysis
import Store

/// The part of a frame the review picture shows, as fractions of the frame's width and height, so it applies to
/// the frame at whatever size it is decoded.
public struct PictureCrop: Hashable, Sendable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    /// Around a stored face: `PortraitCrop`'s square with the box's larger side at two thirds of it (room for the
    /// brows, the chin and the cheeks the action units move), moved inside the frame, no larger than its shorter
    /// side. Nil for a face record that is not a usable face.
    public static func face(_ face: ReferenceFace) -> PictureCrop? {
        guard let detected = try? DetectedFace(box: face.box, probability: face.probability, landmarks: face.landmarks),
              face.frameWidth > 0, face.frameHeight > 0 else { return nil }
        let square = PortraitCrop(around: detected, imageWidth: face.frameWidth, imageHeight: face.frameHeight, faceFraction: 2.0 / 3)
        let (width, height) = (Double(face.frameWidth), Double(face.frameHeight))
        return PictureCrop(x: Double(square.x) / width, y: Double(square.y) / height,
                           width: Double(square.side) / width, height: Double(square.side) / height)
    }
}
