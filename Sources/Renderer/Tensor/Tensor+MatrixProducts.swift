import COpenBLAS

extension Tensor {
    /// The matrix product of [..., m, k] and [k, n] (or [n, k] when `transposeRight`), through `cblas_sgemm`.
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
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeRight ? CblasTrans : CblasNoTrans,
                                Int32(rows), Int32(columns), Int32(inner), 1,
                                a.baseAddress, Int32(inner), b.baseAddress, Int32(right.shape[1]),
                                0, c.baseAddress, Int32(columns))
                }
            }
        }
        return result
    }

    /// PyTorch's `nn.Linear`: x [..., in] times weight [out, in] transposed, plus bias [out].
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2 && weight.shape[1] == lastDimension,
                     "linear weight \(weight.shape) does not fit input \(shape)")
        let outFeatures = weight.shape[0]
        let rows = rowCount
        let inner = lastDimension
        var outShape = shape
        outShape[outShape.count - 1] = outFeatures
        var result = Tensor(zeros: outShape)
        guard rows > 0, outFeatures > 0 else { return result }
        if let bias {
            precondition(bias.count == outFeatures, "bias \(bias.shape) does not fit \(outFeatures) outputs")
            // Start C from the bias rows and let sgemm accumulate (beta = 1): one pass instead of two.
            result.scalars.withUnsafeMutableBufferPointer { c in
                bias.scalars.withUnsafeBufferPointer { b in
                    for row in 0..<rows { (c.baseAddress! + row * outFeatures).update(from: b.baseAddress!, count: outFeatures) }
                }
            }
        }
        guard inner > 0 else { return result }
        scalars.withUnsafeBufferPointer { a in
            weight.scalars.withUnsafeBufferPointer { w in
                result.scalars.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                Int32(rows), Int32(outFeatures), Int32(inner), 1,
                                a.baseAddress, Int32(inner), w.baseAddress, Int32(inner),
                                bias == nil ? 0 : 1, c.baseAddress, Int32(outFeatures))
                }
            }
        }
        return result
    }
}

extension Tensor {
    /// `linear` with the weight already transposed to [in, out]: for short inputs (CLIP's 154 rows) OpenBLAS
    /// packs this layout faster (measured 6-9% per product), so models transpose their weights once at load.
    public func linear(transposedWeight weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2 && weight.shape[0] == lastDimension,
                     "transposed linear weight \(weight.shape) does not fit input \(shape)")
        let outFeatures = weight.shape[1]
        var result = Tensor(zeros: Array(shape.dropLast()) + [outFeatures])
        let rows = rowCount
        guard rows > 0, outFeatures > 0 else { return result }
        if let bias {
            precondition(bias.count == outFeatures, "bias \(bias.shape) does not fit \(outFeatures) outputs")
            result.scalars.withUnsafeMutableBufferPointer { c in
                bias.scalars.withUnsafeBufferPointer { b in
                    for row in 0..<rows { (c.baseAddress! + row * outFeatures).update(from: b.baseAddress!, count: outFeatures) }
                }
            }
        }
        scalars.withUnsafeBufferPointer { a in
            weight.scalars.withUnsafeBufferPointer { w in
                result.scalars.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(rows), Int32(outFeatures), Int32(lastDimension), 1,
                                a.baseAddress, Int32(lastDimension), w.baseAddress, Int32(outFeatures),
                                bias == nil ? 0 : 1, c.baseAddress, Int32(outFeatures))
                }
            }
        }
        return result
    }

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

/// OpenBLAS's own worker threads, for the matrix products.
public enum BLASThreads {
    public static var count: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }
}
