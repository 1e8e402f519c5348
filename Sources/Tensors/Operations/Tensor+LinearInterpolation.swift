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

    /// `F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)` on [N, C, H, W], without
    /// antialiasing (pytorch-fid's resize to 299x299): output pixel i reads source position
    /// max(0, (i + 0.5) * in / out - 0.5), between the two nearest input pixels, in PyTorch's float arithmetic.
    package func bilinearResized(height outH: Int, width outW: Int) -> Tensor {
        precondition(rank == 4 && shape[2] > 0 && shape[3] > 0 && outH > 0 && outW > 0,
                     "bilinearResized takes a non-empty [N, C, H, W] and a positive size")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        /// For each output index along one axis: the lower input index, the step to the upper one (0 at the last
        /// pixel), and the two weights.
        func taps(input: Int, output: Int) -> [(index: Int, step: Int, lower: Float, upper: Float)] {
            let scale = Float(input) / Float(output)
            return (0..<output).map { target in
                let source = Swift.max(scale * (Float(target) + 0.5) - 0.5, 0)
                let index = Int(source)
                let upper = Swift.min(Swift.max(source - Float(index), 0), 1)
                return (index, index < input - 1 ? 1 : 0, 1 - upper, upper)
            }
        }
        let rows = taps(input: height, output: outH), columns = taps(input: width, output: outW)
        var result = Tensor(zeros: [shape[0], shape[1], outH, outW])
        scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { output in
                let source = input.baseAddress!, target = output.baseAddress!
                concurrentChunks(count: planes * outH, minimumChunk: 64) { range in
                    for item in range {
                        let (plane, oy) = (item / outH, item % outH)
                        let row = rows[oy]
                        let top = source + (plane * height + row.index) * width
                        let bottom = top + row.step * width
                        let line = target + item * outW
                        for ox in 0..<outW {
                            let column = columns[ox]
                            let (left, right) = (column.index, column.index + column.step)
                            line[ox] = row.lower * (column.lower * top[left] + column.upper * top[right])
                                + row.upper * (column.lower * bottom[left] + column.upper * bottom[right])
                        }
                    }
                }
            }
        }
        return result
    }
}
