/// A 1-D correlation along rows or columns, summed as SciPy's `correlate1d` sums (`NI_Correlate1D`): for a
/// symmetric kernel the centre tap first, then each pair of taps equally far out, farthest first; for an
/// antisymmetric one the same with differences. Matching that order keeps exact ties (Canny's non-maximum
/// suppression compares equal magnitudes) breaking the same way.
struct LineFilter {
    /// The taps from -radius to +radius.
    let weights: [Double]

    private let symmetry: Symmetry

    init(weights: [Double]) {
        precondition(weights.count % 2 == 1, "a line filter has an odd number of taps")
        self.weights = weights
        // As `NI_Correlate1D` decides it: tap pairs equal (or opposite) within DBL_EPSILON.
        let r = weights.count / 2
        let pairs = (1..<(r + 1)).map { (weights[r + $0], weights[r - $0]) }
        if pairs.allSatisfy({ abs($0 - $1) <= Double.ulpOfOne }) {
            symmetry = .symmetric
        } else if pairs.allSatisfy({ abs($0 + $1) <= Double.ulpOfOne }) {
            symmetry = .antisymmetric
        } else {
            symmetry = .none
        }
    }

    var radius: Int { weights.count / 2 }

    private enum Symmetry { case symmetric, antisymmetric, none }

    enum Axis {
        /// Along each column (NumPy's axis 0).
        case rows
        /// Along each row (NumPy's axis 1).
        case columns
    }

    func apply(_ plane: Plane, along axis: Axis, border: FilterBorder) -> Plane {
        let (lineCount, length) = axis == .columns ? (plane.height, plane.width) : (plane.width, plane.height)
        let r = radius
        var output = plane
        var line = [Double](repeating: 0, count: length + 2 * r)
        plane.values.withUnsafeBufferPointer { input in
            output.values.withUnsafeMutableBufferPointer { out in
                for lineIndex in 0..<lineCount {
                    // The line with its border, so every tap reads inside `line`.
                    for position in -r..<(length + r) {
                        let value = border.sourceIndex(position, length: length).map { source in
                            axis == .columns ? input[lineIndex * plane.width + source] : input[source * plane.width + lineIndex]
                        }
                        line[position + r] = value ?? 0
                    }
                    for position in 0..<length {
                        let centre = position + r
                        var sum: Double
                        switch symmetry {
                        case .symmetric:
                            sum = line[centre] * weights[r]
                            for offset in stride(from: r, to: 0, by: -1) {
                                sum += (line[centre - offset] + line[centre + offset]) * weights[r - offset]
                            }
                        case .antisymmetric:
                            sum = line[centre] * weights[r]
                            for offset in stride(from: r, to: 0, by: -1) {
                                sum += (line[centre - offset] - line[centre + offset]) * weights[r - offset]
                            }
                        case .none:
                            sum = line[centre + r] * weights[2 * r]
                            for tap in 0..<(2 * r) { sum += line[position + tap] * weights[tap] }
                        }
                        if axis == .columns {
                            out[lineIndex * plane.width + position] = sum
                        } else {
                            out[position * plane.width + lineIndex] = sum
                        }
                    }
                }
            }
        }
        return output
    }
}
