import FaceAnalysis
import MediaIO

/// How sharp a face is: the variance of the Laplacian of the face's grey crop (the box clamped to the frame; grey
/// = 0.299 R + 0.587 G + 0.114 B; the 4-neighbour kernel [0 1 0; 1 -4 1; 0 1 0] over the crop's inner pixels).
/// The standard focus measure (Pech-Pacheco et al., 2000): blur removes the fine edges the Laplacian responds to,
/// so its spread falls. Compared only between frames of one clip, where the face has about the same size.
enum FaceSharpness {
    static func laplacianVariance(_ image: RGBImage, box: FaceBox) -> Double {
        let left = max(0, Int(box.x1.rounded(.down))), right = min(image.width, Int(box.x2.rounded(.up)))
        let top = max(0, Int(box.y1.rounded(.down))), bottom = min(image.height, Int(box.y2.rounded(.up)))
        let width = right - left, height = bottom - top
        guard width >= 3, height >= 3 else { return 0 }
        var grey = [Double](repeating: 0, count: width * height)
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<height {
                for x in 0..<width {
                    let offset = ((top + y) * image.width + left + x) * 3
                    grey[y * width + x] = 0.299 * Double(pixels[offset]) + 0.587 * Double(pixels[offset + 1]) + 0.114 * Double(pixels[offset + 2])
                }
            }
        }
        var sum = 0.0, squares = 0.0
        for y in 1..<(height - 1) {
            for x in 1..<(width - 1) {
                let centre = y * width + x
                let value = grey[centre - width] + grey[centre + width] + grey[centre - 1] + grey[centre + 1] - 4 * grey[centre]
                sum += value
                squares += value * value
            }
        }
        let count = Double((width - 2) * (height - 2))
        let mean = sum / count
        return max(0, squares / count - mean * mean)
    }
}
