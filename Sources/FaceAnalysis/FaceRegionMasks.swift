import Foundation

/// The full, face and lip masks Hallo's masked audio attention weights, computed as Hallo's preprocessing computes
/// them (`hallo/utils/util.py`, `get_mask`, and `ImageProcessor.preprocess`) but from an MTCNN detection instead
/// of MediaPipe's 478 landmarks:
///
/// 1. the face rectangle is the detected box (Hallo: the bounds of the face-oval landmarks) grown by the face
///    expand ratio (1.2) with Hallo's `expand_region`; the lip rectangle is the bounds of the two mouth corners and
///    of the points a quarter of the corners' distance above and below their midpoint (Hallo: the bounds of the 40
///    lip landmarks), grown by 2.0;
/// 2. each rectangle is drawn as 255 on 0 at the image size, resized to 64x64 (bilinear), blurred (Gaussian,
///    kernel 51 for the face and 31 for the lips, OpenCV's sigma for the kernel size, reflected borders) and
///    stretched to 0...255;
/// 3. full = 255 - blurred face (the background), face = blurred face - blurred lips (saturating), lip = blurred
///    lips;
/// 4. for UNet level l each is resized to (side / 8) >> l square with Pillow's bilinear filter and divided by 255.
///
/// An MTCNN box runs from the brows to the chin, while the face oval also takes in the forehead, so the face region
/// sits a little lower and is shorter than Hallo's; the lip rectangle is an estimate of the lips' height from their
/// width. Both are documented in docs/faces.md.
public struct FaceRegionMasks: Equatable, Sendable {
    public static let faceExpandRatio = 1.2
    public static let lipExpandRatio = 2.0
    public static let blurSide = 64

    /// Rectangles in image pixels: columns x0..<x1, rows y0..<y1.
    public struct Rectangle: Equatable, Sendable {
        public var x0, x1, y0, y1: Int
    }

    public let imageSide: Int
    public let faceRectangle: Rectangle
    public let lipRectangle: Rectangle
    /// 64x64 masks in 0...255, row-major.
    public let full: [UInt8]
    public let face: [UInt8]
    public let lip: [UInt8]

    /// The masks of FACE (in the coordinates of the square image of side IMAGESIDE the renderer uses).
    public init(face detected: DetectedFace, imageSide: Int) {
        self.imageSide = imageSide
        let box = detected.box
        faceRectangle = Self.expandedRegion(minX: box.x1.rounded(.toNearestOrEven), maxX: box.x2.rounded(.toNearestOrEven),
                                            minY: box.y1.rounded(.toNearestOrEven), maxY: box.y2.rounded(.toNearestOrEven),
                                            side: imageSide, ratio: Self.faceExpandRatio)
        let (left, right) = (detected.mouthLeft, detected.mouthRight)
        let reach = 0.25 * hypot(right.x - left.x, right.y - left.y)
        let middle = FacePoint(x: (left.x + right.x) / 2, y: (left.y + right.y) / 2)
        let lips = [left, right, FacePoint(x: middle.x, y: middle.y - reach), FacePoint(x: middle.x, y: middle.y + reach)]
        lipRectangle = Self.expandedRegion(minX: lips.map(\.x).min()!.rounded(.toNearestOrEven), maxX: lips.map(\.x).max()!.rounded(.toNearestOrEven),
                                           minY: lips.map(\.y).min()!.rounded(.toNearestOrEven), maxY: lips.map(\.y).max()!.rounded(.toNearestOrEven),
                                           side: imageSide, ratio: Self.lipExpandRatio)
        let blurredFace = Self.blurred(Self.drawn(faceRectangle, side: imageSide), kernel: 51)
        let blurredLip = Self.blurred(Self.drawn(lipRectangle, side: imageSide), kernel: 31)
        full = blurredFace.map { UInt8((1.0 - Double($0) / 255.0) * 255) }
        face = zip(blurredFace, blurredLip).map { $0 > $1 ? $0 - $1 : 0 }
        lip = blurredLip
    }

    /// Level l's masks, each (imageSide / 8) >> l square, values in 0...1, row-major.
    public func level(_ level: Int) -> (full: [Float], face: [Float], lip: [Float]) {
        let side = (imageSide / 8) >> level
        func scaled(_ mask: [UInt8]) -> [Float] {
            PillowBilinear.resize(mask, from: Self.blurSide, to: max(1, side)).map { Float($0) / 255 }
        }
        return (scaled(full), scaled(face), scaled(lip))
    }

    /// Hallo's `expand_region`: the centre floored, each half-side floored, the rectangle moved back inside the
    /// image, corners rounded half to even (Python's `round`). Clamped to the image as a slice would be.
    static func expandedRegion(minX: Double, maxX: Double, minY: Double, maxY: Double, side: Int, ratio: Double) -> Rectangle {
        func expand(_ low: Double, _ high: Double) -> (Int, Int) {
            let middle = ((high + low) / 2).rounded(.down)
            let half = ((high - low) * ratio / 2).rounded(.down)
            var (a, b) = (middle - half, middle + half)
            if a < 0 { b -= a; a = 0 }
            if b > Double(side) { a -= b - Double(side); b = Double(side) }
            let lower = min(max(0, Int(a.rounded(.toNearestOrEven))), side)
            return (lower, min(max(lower, Int(b.rounded(.toNearestOrEven))), side))
        }
        let (x0, x1) = expand(minX, maxX), (y0, y1) = expand(minY, maxY)
        return Rectangle(x0: x0, x1: x1, y0: y0, y1: y1)
    }

    static func drawn(_ rectangle: Rectangle, side: Int) -> [UInt8] {
        var mask = [UInt8](repeating: 0, count: side * side)
        for y in rectangle.y0..<rectangle.y1 {
            for x in rectangle.x0..<rectangle.x1 { mask[y * side + x] = 255 }
        }
        return mask
    }

    /// OpenCV's `resize` to 64x64, `GaussianBlur` with sigma 0 and `normalize` to 0...255 by the minimum and
    /// maximum, in OpenCV's 8-bit arithmetic (see `OpenCVEightBit`).
    static func blurred(_ mask: [UInt8], kernel: Int) -> [UInt8] {
        let source = Int(Double(mask.count).squareRoot())
        let resized = OpenCVEightBit.resizeBilinear(mask, from: source, to: blurSide)
        return OpenCVEightBit.normalizedToFullRange(OpenCVEightBit.gaussianBlur(resized, side: blurSide, kernel: kernel))
    }
}

/// OpenCV's 8-bit image operations as its code computes them, bit for bit: Hallo's masks pass through them.
enum OpenCVEightBit {
    /// `cv2.resize(..., INTER_LINEAR)` of a square: pixel centres aligned, the two taps' weights in 11-bit fixed
    /// point, the horizontal sums kept at that scale and the vertical pass rounded from 22 bits.
    static func resizeBilinear(_ pixels: [UInt8], from source: Int, to target: Int) -> [UInt8] {
        guard source != target else { return pixels }
        let taps: [(low: Int, high: Int, weightLow: Int, weightHigh: Int)] = (0..<target).map { index in
            let position = (Double(index) + 0.5) * Double(source) / Double(target) - 0.5
            var low = Int(position.rounded(.down))
            var fraction = position - Double(low)
            if low < 0 { low = 0; fraction = 0 }
            if low >= source - 1 { low = source - 1; fraction = 0 }
            let high = Int((fraction * 2048).rounded(.toNearestOrEven))
            return (low, min(low + 1, source - 1), 2048 - high, high)
        }
        var rows = [Int](repeating: 0, count: source * target)
        for y in 0..<source {
            for (x, tap) in taps.enumerated() {
                rows[y * target + x] = Int(pixels[y * source + tap.low]) * tap.weightLow + Int(pixels[y * source + tap.high]) * tap.weightHigh
            }
        }
        var result = [UInt8](repeating: 0, count: target * target)
        for (y, tap) in taps.enumerated() {
            for x in 0..<target {
                let sum = rows[tap.low * target + x] * tap.weightLow + rows[tap.high * target + x] * tap.weightHigh
                result[y * target + x] = UInt8(min(255, max(0, (sum + (1 << 21)) >> 22)))
            }
        }
        return result
    }

    /// `getGaussianKernelBitExact` then `getGaussianKernelFixedPoint_ED`: the Gaussian of the kernel size's sigma
    /// (0.15 n + 0.35), normalised, in 8-bit fixed point with the rounding error carried from tap to tap and the
    /// centre taking what makes the sum exactly 256.
    static func fixedPointKernel(size n: Int) -> [Int] {
        let sigma = 0.15 * Double(n) + 0.35
        let scale = -0.125 / (sigma * sigma)
        let half = (n - 1) / 2
        let values = (0..<half).map { i -> Double in
            let x = Double(1 - n + 2 * i)
            return Foundation.exp(x * x * scale)
        }
        let normaliser = 1 / (values.reduce(0, +) * 2 + 1)
        var kernel = [Int](repeating: 0, count: n)
        var carried = 0.0
        var total = 0
        for i in 0..<half {
            let adjusted = values[i] * normaliser * 256 + carried
            let rounded = adjusted.rounded(.toNearestOrEven)
            carried = adjusted - rounded
            kernel[i] = Int(rounded)
            kernel[n - 1 - i] = Int(rounded)
            total += Int(rounded)
        }
        kernel[half] = 256 - 2 * total
        return kernel
    }

    /// `cv2.GaussianBlur(image, (k, k), 0)` on 8 bits: the horizontal pass kept at 8 fractional bits, the vertical
    /// at 16, rounded to the nearest; borders reflected without repeating the edge (`BORDER_REFLECT_101`).
    static func gaussianBlur(_ pixels: [UInt8], side: Int, kernel size: Int) -> [UInt8] {
        let kernel = fixedPointKernel(size: size)
        let radius = size / 2
        func reflected(_ index: Int) -> Int {
            var i = index
            while i < 0 || i >= side { i = i < 0 ? -i : 2 * (side - 1) - i }
            return i
        }
        var horizontal = [Int](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                var sum = 0
                for (k, weight) in kernel.enumerated() where weight != 0 { sum += weight * Int(pixels[y * side + reflected(x + k - radius)]) }
                horizontal[y * side + x] = sum
            }
        }
        var result = [UInt8](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                var sum = 0
                for (k, weight) in kernel.enumerated() where weight != 0 { sum += weight * horizontal[reflected(y + k - radius) * side + x] }
                result[y * side + x] = UInt8(min(255, (sum + (1 << 15)) >> 16))
            }
        }
        return result
    }

    /// `cv2.normalize(image, None, 0, 255, NORM_MINMAX)`: (v - min) * 255 / (max - min), rounded half to even;
    /// all zeros when the image is flat.
    static func normalizedToFullRange(_ pixels: [UInt8]) -> [UInt8] {
        guard let low = pixels.min(), let high = pixels.max(), high > low else { return [UInt8](repeating: 0, count: pixels.count) }
        let scale = 255 / Double(high - low)
        return pixels.map { UInt8(min(255, max(0, (Double($0) * scale - Double(low) * scale).rounded(.toNearestOrEven)))) }
    }
}

/// Pillow's `Image.resize(..., BILINEAR)` of an 8-bit grey square: a triangle filter widened by the scale when
/// shrinking, coefficients in 22-bit fixed point, a horizontal pass then a vertical one, each rounded to 8 bits.
enum PillowBilinear {
    static func resize(_ pixels: [UInt8], from source: Int, to target: Int) -> [UInt8] {
        guard source != target else { return pixels }
        let precision = 22
        let scale = Double(source) / Double(target)
        let filterScale = max(scale, 1)
        let support = filterScale
        let coefficients: [(start: Int, weights: [Int])] = (0..<target).map { index in
            let centre = (Double(index) + 0.5) * scale
            let start = max(Int(centre - support + 0.5), 0)
            let end = min(Int(centre + support + 0.5), source)
            var weights = (start..<end).map { x -> Double in
                let distance = abs((Double(x) - centre + 0.5) / filterScale)
                return distance < 1 ? 1 - distance : 0
            }
            let total = weights.reduce(0, +)
            if total != 0 { weights = weights.map { $0 / total } }
            return (start, weights.map { $0 < 0 ? Int(-0.5 + $0 * Double(1 << precision)) : Int(0.5 + $0 * Double(1 << precision)) })
        }
        func clip(_ value: Int) -> UInt8 { UInt8(min(255, max(0, value >> precision))) }
        var horizontal = [UInt8](repeating: 0, count: source * target)
        for y in 0..<source {
            for (x, tap) in coefficients.enumerated() {
                var sum = 1 << (precision - 1)
                for (k, weight) in tap.weights.enumerated() { sum += Int(pixels[y * source + tap.start + k]) * weight }
                horizontal[y * target + x] = clip(sum)
            }
        }
        var result = [UInt8](repeating: 0, count: target * target)
        for (y, tap) in coefficients.enumerated() {
            for x in 0..<target {
                var sum = 1 << (precision - 1)
                for (k, weight) in tap.weights.enumerated() { sum += Int(horizontal[(tap.start + k) * target + x]) * weight }
                result[y * target + x] = clip(sum)
            }
        }
        return result
    }
}
