/// scikit-image 0.26's `feature.canny(image)` with its defaults, as the `cpbd` package calls it on a grey image of
/// 0-255 float64 values: Gaussian smoothing (σ 1, 4σ radius, zeros beyond the border, divided by the smoothed
/// all-ones image so the border is not darkened), SciPy's Sobel gradients (borders reflected), bilinear
/// non-maximum suppression (`_nonmaximum_suppression_bilinear`) over all but the outermost pixels, and hysteresis
/// between the default thresholds 0.1 and 0.2, which are absolute (not scaled to the 0-255 range): nearly every
/// ridge of the gradient is an edge.
enum CannyEdges {
    /// The low threshold reaches the suppression as a C `float`, so it is 0.1 rounded to float32.
    static let lowThreshold = Double(Float(0.1))
    static let highThreshold = 0.2

    static func edges(of image: Plane) -> [Bool] {
        let width = image.width, height = image.height
        let smoothing = GaussianFilter(sigma: 1, truncate: 4)
        let spread = smoothing.apply(Plane(width: width, height: height, repeating: 1), border: .zero)
        let smoothed = smoothing.apply(image, border: .zero).combined(with: spread) { $0 / ($1 + Double.ulpOfOne) }

        let difference = LineFilter(weights: [-1, 0, 1])
        let average = LineFilter(weights: [1, 2, 1])
        let isobel = average.apply(difference.apply(smoothed, along: .rows, border: .reflect), along: .columns, border: .reflect)
        let jsobel = average.apply(difference.apply(smoothed, along: .columns, border: .reflect), along: .rows, border: .reflect)
        let magnitude = isobel.combined(with: jsobel) { ($0 * $0 + $1 * $1).squareRoot() }

        let suppressed = suppressNonMaxima(isobel: isobel, jsobel: jsobel, magnitude: magnitude)
        return hysteresis(suppressed, width: width, height: height)
    }

    /// The magnitude where it is a local maximum across the gradient (interpolated between the two neighbours on
    /// each side) and at least the low threshold, else 0; the outermost pixels are 0 (the eroded mask).
    static func suppressNonMaxima(isobel: Plane, jsobel: Plane, magnitude: Plane) -> [Double] {
        let width = magnitude.width, height = magnitude.height
        var out = [Double](repeating: 0, count: width * height)
        guard width > 2, height > 2 else { return out }
        for x in 1..<(height - 1) {
            for y in 1..<(width - 1) {
                let m = magnitude[x, y]
                guard m >= lowThreshold else { continue }
                let gi = isobel[x, y], gj = jsobel[x, y]
                let isDown = gi <= 0, isLeft = gj <= 0
                let absI = abs(gi), absJ = abs(gj)
                // Both gradients of one sign, or of opposite signs: which diagonal the interpolation uses.
                let sameSign = (!isDown && !isLeft) || (isDown && isLeft)
                let w: Double
                let (n11, n12, n21, n22): (Double, Double, Double, Double)
                if sameSign {
                    if absI > absJ {
                        w = absJ / absI
                        (n11, n12, n21, n22) = (magnitude[x + 1, y], magnitude[x + 1, y + 1], magnitude[x - 1, y], magnitude[x - 1, y - 1])
                    } else {
                        w = absI / absJ
                        (n11, n12, n21, n22) = (magnitude[x, y + 1], magnitude[x + 1, y + 1], magnitude[x, y - 1], magnitude[x - 1, y - 1])
                    }
                } else {
                    if absI < absJ {
                        w = absI / absJ
                        (n11, n12, n21, n22) = (magnitude[x, y + 1], magnitude[x - 1, y + 1], magnitude[x, y - 1], magnitude[x + 1, y - 1])
                    } else {
                        w = absJ / absI
                        (n11, n12, n21, n22) = (magnitude[x - 1, y], magnitude[x - 1, y + 1], magnitude[x + 1, y], magnitude[x + 1, y - 1])
                    }
                }
                if n12 * w + n11 * (1.0 - w) <= m, n22 * w + n21 * (1.0 - w) <= m {
                    out[x * width + y] = m
                }
            }
        }
        return out
    }

    /// The pixels of every 8-connected group of non-zero values that holds at least one value at or above the
    /// high threshold (`ndi.label` with a 3x3 structure, then the labels that reach it).
    static func hysteresis(_ suppressed: [Double], width: Int, height: Int) -> [Bool] {
        var edges = [Bool](repeating: false, count: width * height)
        var queue: [Int] = []
        // Grows from each strong pixel through its group; a group is visited once.
        for start in suppressed.indices where suppressed[start] >= highThreshold && !edges[start] {
            edges[start] = true
            queue.append(start)
            while let index = queue.popLast() {
                let row = index / width, column = index % width
                for neighbourRow in max(0, row - 1)...min(height - 1, row + 1) {
                    for neighbourColumn in max(0, column - 1)...min(width - 1, column + 1) {
                        let neighbour = neighbourRow * width + neighbourColumn
                        if suppressed[neighbour] > 0, !edges[neighbour] {
                            edges[neighbour] = true
                            queue.append(neighbour)
                        }
                    }
                }
            }
        }
        return edges
    }
}
