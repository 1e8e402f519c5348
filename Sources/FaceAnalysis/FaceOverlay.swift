import Foundation
import MediaIO

/// A picture of what the detector found, for people who would rather look than read JSON: each face's box (green),
/// its five landmarks (red crosses), and optionally the masks' face and lip regions (yellow and magenta outlines).
public enum FaceOverlay {
    public static func draw(_ faces: [DetectedFace], on image: RGBImage, masks: FaceRegionMasks? = nil) -> RGBImage {
        var canvas = image
        let thickness = max(1, min(image.width, image.height) / 256)
        for face in faces {
            outline(&canvas, x0: Int(face.box.x1.rounded()), y0: Int(face.box.y1.rounded()),
                    x1: Int(face.box.x2.rounded()), y1: Int(face.box.y2.rounded()), thickness: thickness, color: (40, 220, 60))
            for point in face.landmarks {
                cross(&canvas, x: Int(point.x.rounded()), y: Int(point.y.rounded()), reach: 2 + 2 * thickness, thickness: thickness, color: (235, 40, 40))
            }
        }
        if let masks {
            let scale = Double(image.width) / Double(masks.imageSide)
            for (rectangle, color) in [(masks.faceRectangle, (250, 210, 40)), (masks.lipRectangle, (230, 60, 230))] {
                outline(&canvas, x0: Int(Double(rectangle.x0) * scale), y0: Int(Double(rectangle.y0) * scale),
                        x1: Int(Double(rectangle.x1) * scale) - 1, y1: Int(Double(rectangle.y1) * scale) - 1,
                        thickness: thickness, color: (UInt8(color.0), UInt8(color.1), UInt8(color.2)))
            }
        }
        return canvas
    }

    private static func fill(_ canvas: inout RGBImage, xs: (Int, Int), ys: (Int, Int), color: (UInt8, UInt8, UInt8)) {
        let (left, right) = (max(0, xs.0), min(canvas.width - 1, xs.1))
        let (top, bottom) = (max(0, ys.0), min(canvas.height - 1, ys.1))
        guard left <= right, top <= bottom else { return }
        for y in top...bottom {
            for x in left...right {
                let index = (y * canvas.width + x) * 3
                canvas.pixels[index] = color.0
                canvas.pixels[index + 1] = color.1
                canvas.pixels[index + 2] = color.2
            }
        }
    }

    private static func outline(_ canvas: inout RGBImage, x0: Int, y0: Int, x1: Int, y1: Int, thickness: Int, color: (UInt8, UInt8, UInt8)) {
        guard x1 >= x0, y1 >= y0 else { return }
        let t = thickness - 1
        fill(&canvas, xs: (x0, x1), ys: (y0, y0 + t), color: color)
        fill(&canvas, xs: (x0, x1), ys: (y1 - t, y1), color: color)
        fill(&canvas, xs: (x0, x0 + t), ys: (y0, y1), color: color)
        fill(&canvas, xs: (x1 - t, x1), ys: (y0, y1), color: color)
    }

    private static func cross(_ canvas: inout RGBImage, x: Int, y: Int, reach: Int, thickness: Int, color: (UInt8, UInt8, UInt8)) {
        let t = thickness - 1
        fill(&canvas, xs: (x - reach, x + reach), ys: (y - t / 2, y + (t + 1) / 2), color: color)
        fill(&canvas, xs: (x - t / 2, x + (t + 1) / 2), ys: (y - reach, y + reach), color: color)
    }
}
