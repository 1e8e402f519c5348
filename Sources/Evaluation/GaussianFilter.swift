import Foundation

/// SciPy's `ndimage.gaussian_filter` on a 2-D float64 plane: the kernel `_gaussian_kernel1d` makes (radius
/// `int(truncate * sigma + 0.5)`, weights exp(-x²/2σ²) over their sum), run along axis 0 and then axis 1.
struct GaussianFilter {
    let line: LineFilter

    init(sigma: Double, truncate: Double) {
        let radius = Int(truncate * sigma + 0.5)
        let exponents = (-radius...radius).map { (-0.5 / (sigma * sigma)) * Double($0 * $0) }
        let unnormalised = exponents.map { Foundation.exp($0) }
        let total = unnormalised.reduce(0, +)
        line = LineFilter(weights: unnormalised.map { $0 / total })
    }

    func apply(_ plane: Plane, border: FilterBorder) -> Plane {
        line.apply(line.apply(plane, along: .rows, border: border), along: .columns, border: border)
    }
}
