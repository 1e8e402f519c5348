/// How SciPy's `ndimage` filters extend a line past its ends (its `mode`).
enum FilterBorder {
    /// `reflect`: mirrored about the edge between pixels, the edge pixel repeated (d c b a | a b c d | d c b a).
    case reflect
    /// `constant` with `cval` 0: zeros beyond the ends.
    case zero

    /// The index inside 0..<length that stands for INDEX, or nil where the border gives zero.
    func sourceIndex(_ index: Int, length: Int) -> Int? {
        if index >= 0, index < length { return index }
        switch self {
        case .zero:
            return nil
        case .reflect:
            // Reflection repeats with period 2 * length; folded into one period, the second half runs backwards.
            let period = 2 * length
            var folded = index % period
            if folded < 0 { folded += period }
            return folded < length ? folded : period - 1 - folded
        }
    }
}
