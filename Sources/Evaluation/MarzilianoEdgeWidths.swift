import Foundation

/// Edge widths as the `cpbd` package's `marziliano_method` measures them (Marziliano et al.): at each edge pixel
/// whose gradient direction, quantised to 45°, is horizontal (0° or ±180°), the number of pixels from the local
/// intensity extremum on its left to the one on its right, at most 101 each side. Other edges have no width (0).
///
/// The reference's quirks are kept, since its numbers are the ones published: the direction is atan2 of
/// `np.gradient`'s components, and where the horizontal component is 0 the angle is 0 (the vertical case compares
/// the vertical component with π/2, which a half-integer gradient never equals), so those edges are measured
/// horizontally too; and when no pixel has a non-zero angle, no edge is measured at all.
enum MarzilianoEdgeWidths {
    static let maximumReach = 100

    static func widths(edges: [Bool], image: Plane) -> [Int] {
        let width = image.width, height = image.height
        var widths = [Int](repeating: 0, count: width * height)
        guard width >= 2, height >= 2 else { return widths }
        let angles = quantisedAngles(image)
        guard angles.contains(where: { $0.angle != 0 }) else { return widths }
        guard width > 2, height > 2 else { return widths }
        for row in 1..<(height - 1) {
            for column in 1..<(width - 1) where edges[row * width + column] {
                let quantised = angles[row * width + column].quantised
                let rising: Bool
                if quantised == 180 || quantised == -180 {
                    rising = false  // intensity falls from left to right
                } else if quantised == 0 {
                    rising = true
                } else {
                    continue
                }
                let line = image.values[(row * width)..<(row * width + width)]
                let start = row * width
                // Walk outwards while the intensity keeps changing the edge's way.
                func reach(step: Int) -> Int {
                    var margin = 0
                    while margin <= maximumReach {
                        let inner = column + step * (1 + margin), outer = column + step * (2 + margin)
                        if outer < 0 || outer >= width { break }
                        let change = line[start + outer] - line[start + inner]
                        // Leftwards a rising edge must keep falling, rightwards keep rising; a falling one the reverse.
                        let continues = (step < 0) == rising ? change < 0 : change > 0
                        if !continues { break }
                        margin += 1
                    }
                    return min(margin, maximumReach) + 1
                }
                widths[row * width + column] = reach(step: -1) + reach(step: 1)
            }
        }
        return widths
    }

    /// The edge angle in degrees as the reference sets it, and 45·round(angle / 45) with NumPy's
    /// round-half-to-even.
    static func quantisedAngles(_ image: Plane) -> [(angle: Double, quantised: Double)] {
        let width = image.width, height = image.height
        var result = [(angle: Double, quantised: Double)](repeating: (0, 0), count: width * height)
        for row in 0..<height {
            for column in 0..<width {
                let gx = gradient(image, row, column, alongRows: false)
                let gy = gradient(image, row, column, alongRows: true)
                var angle = 0.0
                if gx != 0 {
                    angle = atan2(gy, gx) * (180 / Double.pi)
                } else if gy == Double.pi / 2 {
                    angle = 90
                }
                result[row * width + column] = (angle, 45 * (angle / 45).rounded(.toNearestOrEven))
            }
        }
        return result
    }

    /// `np.gradient` with unit spacing: central differences inside, one-sided at the two ends.
    static func gradient(_ image: Plane, _ row: Int, _ column: Int, alongRows: Bool) -> Double {
        let (position, length) = alongRows ? (row, image.height) : (column, image.width)
        func at(_ p: Int) -> Double { alongRows ? image[p, column] : image[row, p] }
        if position == 0 { return at(1) - at(0) }
        if position == length - 1 { return at(length - 1) - at(length - 2) }
        return (at(position + 1) - at(position - 1)) / 2
    }
}
