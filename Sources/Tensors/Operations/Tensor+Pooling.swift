import Foundation

extension Tensor {
    /// PyTorch's `PReLU` on [N, C, ...]: x where x >= 0, slope[c] * x elsewhere, one slope per channel (dimension 1).
    package func parametricReLU(slopes: Tensor) -> Tensor {
        precondition(rank >= 2 && slopes.count == shape[1], "parametricReLU needs one slope per channel of \(shape)")
        let channels = shape[1]
        let plane = shape.dropFirst(2).reduce(1, *)
        var result = self
        slopes.scalars.withUnsafeBufferPointer { slope in
            result.scalars.withUnsafeMutableBufferPointer { buffer in
                let values = buffer.baseAddress!
                for start in stride(from: 0, to: buffer.count, by: plane) {
                    let a = slope[(start / plane) % channels]
                    for index in start..<(start + plane) where values[index] < 0 { values[index] *= a }
                }
            }
        }
        return result
    }

    /// `nn.MaxPool2d(kernel, stride, ceil_mode: true)` without padding on [N, C, H, W]: the output keeps a last,
    /// partial window when it starts inside the input, and that window takes the maximum of what it covers.
    package func maxPool2dCeil(kernel: Int, stride: Int) -> Tensor {
        precondition(rank == 4 && kernel > 0 && stride > 0, "maxPool2dCeil takes [N, C, H, W]")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        precondition(height >= kernel && width >= kernel, "maxPool2dCeil: \(shape) is smaller than the kernel \(kernel)")
        func outputSize(_ size: Int) -> Int {
            var count = (size - kernel + stride - 1) / stride + 1
            if (count - 1) * stride >= size { count -= 1 }
            return count
        }
        let (outH, outW) = (outputSize(height), outputSize(width))
        var result = Tensor(zeros: [shape[0], shape[1], outH, outW])
        scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { output in
                for plane in 0..<planes {
                    let source = input.baseAddress! + plane * height * width
                    let target = output.baseAddress! + plane * outH * outW
                    for oy in 0..<outH {
                        let rows = (oy * stride)..<min(height, oy * stride + kernel)
                        for ox in 0..<outW {
                            let columns = (ox * stride)..<min(width, ox * stride + kernel)
                            var best = -Float.infinity
                            for y in rows {
                                for x in columns { best = Swift.max(best, source[y * width + x]) }
                            }
                            target[oy * outW + ox] = best
                        }
                    }
                }
            }
        }
        return result
    }

    /// `F.interpolate(mode="area")` on [N, C, H, W] (PyTorch's adaptive average pooling): output cell (i, j) is the
    /// mean of input rows floor(i H / h) ..< ceil((i + 1) H / h) and the same for columns, summed in Float32 row
    /// by row as PyTorch's CPU kernel sums them.
    package func areaResized(height outH: Int, width outW: Int) -> Tensor {
        precondition(rank == 4 && outH > 0 && outW > 0, "areaResized takes [N, C, H, W] and a positive size")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        precondition(height > 0 && width > 0, "areaResized: empty input \(shape)")
        let rowRanges = (0..<outH).map { ($0 * height) / outH..<(($0 + 1) * height + outH - 1) / outH }
        let columnRanges = (0..<outW).map { ($0 * width) / outW..<(($0 + 1) * width + outW - 1) / outW }
        var result = Tensor(zeros: [shape[0], shape[1], outH, outW])
        scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { output in
                let source = input.baseAddress!, target = output.baseAddress!
                concurrentChunks(count: planes * outH, minimumChunk: 64) { range in
                    for item in range {
                        let (plane, oy) = (item / outH, item % outH)
                        let rows = rowRanges[oy]
                        for ox in 0..<outW {
                            let columns = columnRanges[ox]
                            var sum: Float = 0
                            for y in rows {
                                let row = source + (plane * height + y) * width
                                for x in columns { sum += row[x] }
                            }
                            target[(plane * outH + oy) * outW + ox] = sum / Float(rows.count * columns.count)
                        }
                    }
                }
            }
        }
        return result
    }

    /// `nn.MaxPool2d(kernel, stride, padding)` (floor mode) on [N, C, H, W]: the padding never wins a maximum, as
    /// PyTorch pads with -infinity.
    package func maxPool2d(kernel: Int, stride: Int, padding: Int = 0) -> Tensor {
        pooled(kernel: kernel, stride: stride, padding: padding) { window, _ in window.max }
    }

    /// `F.avg_pool2d(kernel, stride, padding, count_include_pad=False)` on [N, C, H, W]: each output is the mean of
    /// the input values its window covers, the padding left out of both the sum and the count (pytorch-fid's
    /// Inception blocks, after TensorFlow's average pool).
    package func averagePool2dExcludingPadding(kernel: Int, stride: Int, padding: Int) -> Tensor {
        pooled(kernel: kernel, stride: stride, padding: padding) { window, count in window.sum / Float(count) }
    }

    /// `adaptive_avg_pool2d(x, (1, 1))` flattened: [N, C, H, W] -> [N, C], the mean of each plane.
    package func spatialMean() -> Tensor {
        precondition(rank == 4 && shape[2] * shape[3] > 0, "spatialMean takes a non-empty [N, C, H, W]")
        let plane = shape[2] * shape[3]
        var result = Tensor(zeros: [shape[0], shape[1]])
        scalars.withUnsafeBufferPointer { input in
            for index in 0..<result.count {
                var sum: Float = 0
                for position in 0..<plane { sum += input[index * plane + position] }
                result.scalars[index] = sum / Float(plane)
            }
        }
        return result
    }

    /// A floor-mode pooling of [N, C, H, W]: REDUCE gets the sum and maximum of the in-bounds values under a window,
    /// and how many there are.
    private func pooled(kernel: Int, stride: Int, padding: Int, _ reduce: ((sum: Float, max: Float), Int) -> Float) -> Tensor {
        precondition(rank == 4 && kernel > 0 && stride > 0 && padding >= 0 && 2 * padding <= kernel,
                     "pooling takes [N, C, H, W], a positive kernel and stride, and padding at most half the kernel")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        precondition(height + 2 * padding >= kernel && width + 2 * padding >= kernel,
                     "pooling: \(shape) with padding \(padding) is smaller than the kernel \(kernel)")
        let outH = (height + 2 * padding - kernel) / stride + 1
        let outW = (width + 2 * padding - kernel) / stride + 1
        var result = Tensor(zeros: [shape[0], shape[1], outH, outW])
        scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { output in
                let source = input.baseAddress!, target = output.baseAddress!
                concurrentChunks(count: planes, minimumChunk: max(1, 16_384 / max(1, outH * outW))) { range in
                    for plane in range {
                        let planeBase = source + plane * height * width
                        for oy in 0..<outH {
                            let rows = max(0, oy * stride - padding)..<min(height, oy * stride - padding + kernel)
                            for ox in 0..<outW {
                                let columns = max(0, ox * stride - padding)..<min(width, ox * stride - padding + kernel)
                                var sum: Float = 0, best = -Float.infinity
                                for y in rows {
                                    for x in columns {
                                        let value = planeBase[y * width + x]
                                        sum += value
                                        best = Swift.max(best, value)
                                    }
                                }
                                target[(plane * outH + oy) * outW + ox] = reduce((sum, best), rows.count * columns.count)
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
