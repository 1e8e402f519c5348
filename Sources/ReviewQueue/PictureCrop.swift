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

    /// Around a stored face: the box grown to a square 1.5 times its larger side, around the box's centre (room for
    /// the brows, the chin and the cheeks the action units move), moved inside the frame, and no larger than the
    /// frame's shorter side.
    public static func face(_ face: ReferenceFace) -> PictureCrop {
        let frameWidth = Double(face.frameWidth), frameHeight = Double(face.frameHeight)
        let (x1, y1, x2, y2) = (face.box[0], face.box[1], face.box[2], face.box[3])
        let side = min(1.5 * max(x2 - x1, y2 - y1), frameWidth, frameHeight)
        let left = min(max(0, (x1 + x2) / 2 - side / 2), frameWidth - side)
        let top = min(max(0, (y1 + y2) / 2 - side / 2), frameHeight - side)
        return PictureCrop(x: left / frameWidth, y: top / frameHeight, width: side / frameWidth, height: side / frameHeight)
    }
}
