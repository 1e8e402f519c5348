import Foundation
import MediaIO

/// The square a talking-head portrait is cut to: centred on the face box, with the box's larger side at
/// `faceFraction` of the square's side (Hallo asks for portraits with the face at 50-70% of the side; 0.6 is the
/// middle). The square is moved, never shrunk, to stay inside the image; when the image is too small for it, the
/// square is the image's shorter side and the face fills more of it.
public struct PortraitCrop: Equatable, Sendable {
    public static let defaultFaceFraction = 0.6

    /// Left, top and side in source pixels.
    public let x: Int
    public let y: Int
    public let side: Int

    public init(x: Int, y: Int, side: Int) {
        (self.x, self.y, self.side) = (x, y, side)
    }

    public init(around face: DetectedFace, imageWidth: Int, imageHeight: Int, faceFraction: Double = defaultFaceFraction) {
        precondition(faceFraction > 0 && faceFraction <= 1, "the face fraction lies in (0, 1]")
        let wanted = Int((max(face.box.width, face.box.height) / faceFraction).rounded())
        let side = max(1, min(wanted, imageWidth, imageHeight))
        let centre = face.box.center
        let x = Int((centre.x - Double(side) / 2).rounded())
        let y = Int((centre.y - Double(side) / 2).rounded())
        self.init(x: min(max(0, x), imageWidth - side), y: min(max(0, y), imageHeight - side), side: side)
    }

    /// The square cut from IMAGE, scaled to SIZE x SIZE.
    public func apply(to image: RGBImage, size: Int) throws -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for row in 0..<side {
            let source = ((y + row) * image.width + x) * 3
            pixels.replaceSubrange(row * side * 3..<(row + 1) * side * 3, with: image.pixels[source..<source + side * 3])
        }
        let square = RGBImage(width: side, height: side, pixels: pixels)
        return side == size ? square : try square.scaled(width: size, height: size)
    }

    /// FACE in the coordinates of the cropped image scaled to SIZE x SIZE.
    public func map(_ face: DetectedFace, size: Int) -> DetectedFace {
        let scale = Double(size) / Double(side)
        func point(_ p: FacePoint) -> FacePoint { FacePoint(x: (p.x - Double(x)) * scale, y: (p.y - Double(y)) * scale) }
        let corner1 = point(FacePoint(x: face.box.x1, y: face.box.y1)), corner2 = point(FacePoint(x: face.box.x2, y: face.box.y2))
        return DetectedFace(box: FaceBox(x1: corner1.x, y1: corner1.y, x2: corner2.x, y2: corner2.y),
                            probability: face.probability, landmarks: face.landmarks.map(point))
    }
}
