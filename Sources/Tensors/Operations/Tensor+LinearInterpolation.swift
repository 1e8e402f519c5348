import Foundation

extension Tensor {
    /// Resamples the rows of a [T, C] matrix to `length` rows by linear interpolation with aligned corners
    /// (PyTorch's `F.interpolate(x.transpose(1, 2), size=length, mode="linear", align_corners=True)`): the first
    /// and last rows are kept, and row i reads source position i * (T - 1) / (length - 1). The arithmetic is
    /// PyTorch's float arithmetic (scale, source index, floor, weight), so positions land on the same rows.
    public func interpolatedRows(to length: Int) -> Tensor {
        precondition(rank == 2 && shape[0] > 0 && length >= 0, "interpolatedRows takes a non-empty [T, C] matrix")
        let (rows, width) = (shape[0], shape[1])
        let scale: Float = length > 1 ? Float(rows - 1) / Float(length - 1) : 0
        var result = [Float](repeating: 0, count: length * width)
        scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for row in 0..<length {
                    let position = scale * Float(row)
                    let lower = min(Int(position), rows - 1)
                    let upper = min(lower + 1, rows - 1)
                    let upperWeight = min(max(position - Float(lower), 0), 1)
                    let lowerWeight = 1 - upperWeight
                    let a = source.baseAddress! + lower * width, b = source.baseAddress! + upper * width
                    let out = target.baseAddress! + row * width
                    for column in 0..<width { out[column] = lowerWeight * a[column] + upperWeight * b[column] }
                }
            }
        }
        return Tensor(shape: [length, width], scalars: result)
    }
}
