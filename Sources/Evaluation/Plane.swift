/// One channel of a picture as float64, row-major: the form the reference code (NumPy, SciPy) computes in, so the
/// metrics here round as it does.
struct Plane: Equatable {
    let width: Int
    let height: Int
    var values: [Double]

    init(width: Int, height: Int, values: [Double]) {
        precondition(values.count == width * height, "a plane of \(width)x\(height) needs \(width * height) values")
        self.width = width
        self.height = height
        self.values = values
    }

    init(width: Int, height: Int, repeating value: Double) {
        self.init(width: width, height: height, values: [Double](repeating: value, count: width * height))
    }

    subscript(row: Int, column: Int) -> Double {
        get { values[row * width + column] }
        set { values[row * width + column] = newValue }
    }

    /// Element-wise combination of two planes of the same size.
    func combined(with other: Plane, _ operation: (Double, Double) -> Double) -> Plane {
        Plane(width: width, height: height, values: zip(values, other.values).map(operation))
    }
}
