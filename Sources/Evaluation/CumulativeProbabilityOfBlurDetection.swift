import Foundation
import MediaIO

/// CPBD, the no-reference sharpness of Narvekar & Karam (2011), as the `cpbd-py312` 1.0.3 package's
/// `compute(image)` computes it on the grey picture Pillow's `convert("L")` makes of the frame. Higher is sharper,
/// in [0, 1].
///
/// Per 64x64 block (whole blocks only, from the top left; a frame under 64 pixels either way has none and gives
/// 0): a block with more than 0.2 % Canny edge pixels is an edge block; each of its measured edge widths w
/// (`MarzilianoEdgeWidths`, on the Sobel edges) is blurred with probability 1 − exp(−|w / JNB|^3.6), where the
/// just-noticeable width JNB is 5 for a block contrast (max − min grey) up to 50 and 3 above; the probabilities,
/// rounded to whole percent (half to even), fill a 101-bin histogram over all edge blocks. CPBD is the share of
/// edges whose probability rounds below 64 %, and 0 when there are none.
public enum CumulativeProbabilityOfBlurDetection {
    static let blockSide = 64
    static let edgeShare = 0.002
    static let beta = 3.6

    public static func sharpness(of frame: RGBImage) -> Double {
        sharpness(grey: PillowLuma.plane(of: frame))
    }

    static func sharpness(grey image: Plane) -> Double {
        let cannyEdges = CannyEdges.edges(of: image)
        let widths = MarzilianoEdgeWidths.widths(edges: OctaveSobelEdges.edges(of: image), image: image)
        var histogram = [Int](repeating: 0, count: 101)
        var total = 0
        for blockRow in 0..<(image.height / blockSide) {
            for blockColumn in 0..<(image.width / blockSide) {
                let rows = (blockRow * blockSide)..<((blockRow + 1) * blockSide)
                let columns = (blockColumn * blockSide)..<((blockColumn + 1) * blockSide)
                let indices = rows.flatMap { row in columns.map { row * image.width + $0 } }
                let edgeCount = indices.filter { cannyEdges[$0] }.count
                guard Double(edgeCount) > Double(blockSide * blockSide) * edgeShare else { continue }
                let values = indices.map { image.values[$0] }
                let contrast = Int(values.max()! - values.min()!)
                let justNoticeableWidth = contrast <= 50 ? 5.0 : 3.0
                for index in indices where widths[index] != 0 {
                    let probability = 1 - exp(-pow(abs(Double(widths[index]) / justNoticeableWidth), beta))
                    histogram[Int((probability * 100).rounded(.toNearestOrEven))] += 1
                    total += 1
                }
            }
        }
        guard total > 0 else { return 0 }
        return histogram[0..<64].reduce(0.0) { $0 + Double($1) / Double(total) }
    }
}
