/// A dense, contiguous, row-major Float32 tensor.
///
/// Storage is a Swift array, so copies are cheap until one side writes (copy on write). Every operation returns a
/// new tensor; the shapes the diffusion models need are small enough in count that this keeps the code simple
/// without costing measurable time next to the matrix products.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not hold \(scalars.count) scalars")
        self.shape = shape
        self.scalars = scalars
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// A tensor whose every scalar `write` stores, given the uninitialized storage: an operation that writes its
    /// whole output skips zero-filling it first (a serial pass over memory that left the other cores idle).
    package init(shape: [Int], writtenBy write: (UnsafeMutablePointer<Float>) -> Void) {
        let count = shape.reduce(1, *)
        self.init(shape: shape, scalars: [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { write(buffer.baseAddress!) }
            initialized = count
        })
    }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The size of the last dimension (1 for a scalar).
    public var lastDimension: Int { shape.last ?? 1 }

    /// The number of rows when the tensor is read as a matrix [product of leading dimensions, last dimension].
    public var rowCount: Int { lastDimension == 0 ? 0 : count / lastDimension }

    /// The same scalars under another shape; one dimension may be -1 and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        return Tensor(shape: resolved, scalars: scalars)
    }

    public subscript(flat index: Int) -> Float {
        get { scalars[index] }
        set { scalars[index] = newValue }
    }

    /// The largest absolute difference from another tensor of the same shape.
    public func maxAbsoluteDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "shapes differ: \(shape) vs \(other.shape)")
        var worst: Float = 0
        for index in 0..<count { worst = max(worst, abs(scalars[index] - other.scalars[index])) }
        return worst
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(6).map { String(format: "%.5g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(preview)\(count > 6 ? ", ..." : "")]"
    }
}
