import Foundation

extension Tensor {
    /// Applies `transform` to every scalar, in parallel for large tensors.
    public func map(_ transform: (Float) -> Float) -> Tensor {
        scalars.withUnsafeBufferPointer { input in
            let inp = input.baseAddress
            return Tensor(shape: shape) { out in
                concurrentChunks(count: count) { range in
                    for index in range { out[index] = transform(inp![index]) }
                }
            }
        }
    }

    /// Combines two tensors scalar by scalar. `other` must have the same shape, or be a suffix-broadcastable
    /// tensor whose shape is a suffix of this one's (a bias over the last dimensions, for instance), or a
    /// single scalar.
    public func zip(_ other: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        precondition(other.count == 1 || (other.count > 0 && Array(shape.suffix(other.rank)) == other.shape),
                     "cannot broadcast \(other.shape) onto \(shape)")
        let total = count
        let period = other.count
        return scalars.withUnsafeBufferPointer { first in
            other.scalars.withUnsafeBufferPointer { second in
                let (lhs, rhs) = (first.baseAddress, second.baseAddress!)
                return Tensor(shape: shape) { out in
                    concurrentChunks(count: total) { range in
                        if period == total {
                            for index in range { out[index] = combine(lhs![index], rhs[index]) }
                        } else {
                            for index in range { out[index] = combine(lhs![index], rhs[index % period]) }
                        }
                    }
                }
            }
        }
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zip(rhs, +) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zip(rhs, -) }

    /// Adds a tensor of the same shape in place (residual connections), without a new buffer.
    public static func += (lhs: inout Tensor, rhs: Tensor) {
        precondition(lhs.shape == rhs.shape, "shapes differ: \(lhs.shape) vs \(rhs.shape)")
        lhs.scalars.withUnsafeMutableBufferPointer { target in
            rhs.scalars.withUnsafeBufferPointer { source in
                let (out, inp) = (target.baseAddress!, source.baseAddress!)
                concurrentChunks(count: target.count) { range in
                    for index in range { out[index] += inp[index] }
                }
            }
        }
    }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zip(rhs, *) }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }

    /// `a * self + b * other` in one pass: the shape of every diffusion update.
    public func scaledSum(_ a: Float, _ other: Tensor, _ b: Float) -> Tensor {
        precondition(shape == other.shape, "shapes differ: \(shape) vs \(other.shape)")
        return zip(other) { a * $0 + b * $1 }
    }

    /// Splits the last dimension into `parts` equal pieces (PyTorch's `chunk(parts, dim=-1)`).
    public func chunkedLastDimension(_ parts: Int) -> [Tensor] {
        let width = lastDimension
        precondition(parts > 0 && width % parts == 0, "last dimension \(width) does not split into \(parts)")
        let piece = width / parts
        let rows = rowCount
        var newShape = shape
        newShape[newShape.count - 1] = piece
        return (0..<parts).map { part in
            var values = [Float](repeating: 0, count: rows * piece)
            values.withUnsafeMutableBufferPointer { out in
                scalars.withUnsafeBufferPointer { inp in
                    for row in 0..<rows {
                        let source = inp.baseAddress! + row * width + part * piece
                        (out.baseAddress! + row * piece).update(from: source, count: piece)
                    }
                }
            }
            return Tensor(shape: newShape, scalars: values)
        }
    }

    /// Concatenates tensors along the first dimension (a batch).
    public static func concatenateBatch(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty)
        let tail = Array(parts[0].shape.dropFirst())
        precondition(parts.allSatisfy { Array($0.shape.dropFirst()) == tail }, "batch parts differ in shape")
        let batch = parts.reduce(0) { $0 + ($1.shape.first ?? 1) }
        return Tensor(shape: [batch] + tail, scalars: parts.flatMap(\.scalars))
    }

    /// The item at `index` of the first dimension.
    public func batchItem(_ index: Int) -> Tensor { batchItems(index..<(index + 1)) }
}
