extension Tensor {
    /// The matrix product of [..., m, k] and [k, n] (or [n, k] when `transposeRight`), through `splitSGEMM`.
    /// Leading dimensions of the left operand are folded into its rows.
    public func matmul(_ right: Tensor, transposeRight: Bool = false) -> Tensor {
        precondition(right.rank == 2, "right operand must be a matrix, got \(right.shape)")
        let inner = lastDimension
        let columns = transposeRight ? right.shape[0] : right.shape[1]
        precondition((transposeRight ? right.shape[1] : right.shape[0]) == inner,
                     "cannot multiply \(shape) by \(right.shape)\(transposeRight ? "^T" : "")")
        var outShape = shape
        outShape[outShape.count - 1] = columns
        var result = Tensor(zeros: outShape)
        let rows = rowCount
        guard rows > 0, columns > 0, inner > 0 else { return result }
        scalars.withUnsafeBufferPointer { a in
            right.scalars.withUnsafeBufferPointer { b in
                result.scalars.withUnsafeMutableBufferPointer { c in
                    splitSGEMM(transposeRight: transposeRight, rows: rows, columns: columns, inner: inner,
                               left: a.baseAddress!, leftStride: inner, right: b.baseAddress!, rightStride: right.shape[1],
                               accumulate: false, output: c.baseAddress!, outputStride: columns)
                }
            }
        }
        return result
    }
}

extension Tensor {
    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() takes a matrix, got \(shape)")
        let (rows, columns) = (shape[0], shape[1])
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { input in
                // 32 x 32 tiles keep both the reads and the writes within cache lines already loaded.
                for rowTile in stride(from: 0, to: rows, by: 32) {
                    for columnTile in stride(from: 0, to: columns, by: 32) {
                        for row in rowTile..<min(rows, rowTile + 32) {
                            for column in columnTile..<min(columns, columnTile + 32) {
                                out[column * rows + row] = input[row * columns + column]
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [columns, rows], scalars: values)
    }
}
