/// The edges whose widths CPBD measures, as the `cpbd` package's `octave.sobel` finds them (after Octave's
/// `edge(image, "sobel")`): the squared response to scikit-image's horizontal-edge Sobel kernel normalised to
/// sum |w| = 1 and transposed (SciPy `convolve`, borders reflected), values at or below 2·sqrt(mean) set to 0,
/// then the simple thinning: a pixel is an edge where it is above both horizontal or both vertical neighbours
/// (zeros beyond the border).
enum OctaveSobelEdges {
    static func edges(of image: Plane) -> [Bool] {
        let width = image.width, height = image.height
        let border = FilterBorder.reflect
        func value(_ row: Int, _ column: Int) -> Double {
            image[border.sourceIndex(row, length: height)!, border.sourceIndex(column, length: width)!]
        }
        // The kernel is [[1, 0, -1], [2, 0, -2], [1, 0, -1]] / 8 flipped by the convolution; every term is a
        // multiple of 1/8 of an integer, so the sum is exact in any order.
        var strength = [Double](repeating: 0, count: width * height)
        for row in 0..<height {
            for column in 0..<width {
                var sum = 0.0
                for offset in -1...1 {
                    let weight = offset == 0 ? 0.25 : 0.125
                    sum += weight * (value(row + offset, column + 1) - value(row + offset, column - 1))
                }
                strength[row * width + column] = sum * sum
            }
        }
        let threshold = 2 * (strength.reduce(0, +) / Double(strength.count)).squareRoot()
        for index in strength.indices where strength[index] <= threshold { strength[index] = 0 }

        var edges = [Bool](repeating: false, count: width * height)
        for row in 0..<height {
            for column in 0..<width {
                let s = strength[row * width + column]
                let left = column > 0 ? strength[row * width + column - 1] : 0
                let right = column < width - 1 ? strength[row * width + column + 1] : 0
                let up = row > 0 ? strength[(row - 1) * width + column] : 0
                let down = row < height - 1 ? strength[(row + 1) * width + column] : 0
                edges[row * width + column] = (s > left && s > right) || (s > up && s > down)
            }
        }
        return edges
    }
}
