import Foundation

extension Tensor {
    /// `nn.MaxPool3d(kernel, stride)` (floor mode) on [N, C, T, H, W] padded by PADDING, where the padding never
    /// wins a maximum (as PyTorch pads a max pool with -infinity, and TensorFlow's "SAME" pool leaves it out).
    /// A box's maximum is the maximum along each axis in turn, so it runs as three 1-D pools: width, height, time.
    package func maxPool3d(kernel: (time: Int, height: Int, width: Int), stride: (time: Int, height: Int, width: Int),
                           padding: Padding3D = .none) -> Tensor {
        pooled3d(kernel: kernel, stride: stride, padding: padding, mean: false)
    }

    /// `nn.AvgPool3d(kernel, stride)` without padding on [N, C, T, H, W]: the mean of every full window, taken as
    /// the mean along each axis in turn.
    package func averagePool3d(kernel: (time: Int, height: Int, width: Int), stride: (time: Int, height: Int, width: Int)) -> Tensor {
        pooled3d(kernel: kernel, stride: stride, padding: .none, mean: true)
    }

    private func pooled3d(kernel: (time: Int, height: Int, width: Int), stride: (time: Int, height: Int, width: Int),
                          padding: Padding3D, mean: Bool) -> Tensor {
        precondition(rank == 5, "3-D pooling takes [N, C, T, H, W], got \(shape)")
        precondition([kernel.time, kernel.height, kernel.width, stride.time, stride.height, stride.width].allSatisfy { $0 > 0 },
                     "3-D pooling takes positive kernels and strides")
        let planes = shape[0] * shape[1]
        var (frames, height, width) = (shape[2], shape[3], shape[4])
        var values = scalars
        // Width: [planes * T * H, W]; height: [planes * T, H, W']; time: [planes, T, H' * W'].
        let widthPool = Self.pooledAxis(values, outer: planes * frames * height, length: width, inner: 1,
                                        kernel: kernel.width, stride: stride.width, before: padding.left, after: padding.right, mean: mean)
        (values, width) = widthPool
        let heightPool = Self.pooledAxis(values, outer: planes * frames, length: height, inner: width,
                                         kernel: kernel.height, stride: stride.height, before: padding.top, after: padding.bottom, mean: mean)
        (values, height) = heightPool
        let timePool = Self.pooledAxis(values, outer: planes, length: frames, inner: height * width,
                                       kernel: kernel.time, stride: stride.time, before: padding.front, after: padding.back, mean: mean)
        (values, frames) = timePool
        return Tensor(shape: [shape[0], shape[1], frames, height, width], scalars: values)
    }

    /// VALUES read as [outer, length, inner], pooled along `length` by windows of KERNEL moved by STRIDE over the
    /// axis padded by BEFORE and AFTER: each output takes the maximum, or the mean, of the window's in-bounds values.
    /// Returns the values [outer, pooled length, inner] and the pooled length.
    private static func pooledAxis(_ values: [Float], outer: Int, length: Int, inner: Int, kernel: Int, stride: Int,
                                   before: Int, after: Int, mean: Bool) -> ([Float], Int) {
        let pooled = (length + before + after - kernel) / stride + 1
        precondition(pooled > 0 && length + before + after >= kernel, "pooling: a window of \(kernel) does not fit \(length) + padding")
        let windows = (0..<pooled).map { position -> Range<Int> in
            let start = position * stride - before
            return max(0, start)..<min(length, start + kernel)
        }
        precondition(windows.allSatisfy { !$0.isEmpty }, "pooling: a window lies wholly in the padding")
        var result = [Float](repeating: 0, count: outer * pooled * inner)
        values.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { output in
                let source = input.baseAddress!, target = output.baseAddress!
                concurrentChunks(count: outer, minimumChunk: max(1, 16_384 / max(1, length * inner))) { range in
                    for block in range {
                        let from = source + block * length * inner, to = target + block * pooled * inner
                        for (position, window) in windows.enumerated() {
                            let line = to + position * inner
                            line.update(from: from + window.lowerBound * inner, count: inner)
                            for index in (window.lowerBound + 1)..<window.upperBound {
                                let next = from + index * inner
                                if mean {
                                    for column in 0..<inner { line[column] += next[column] }
                                } else {
                                    for column in 0..<inner { line[column] = Swift.max(line[column], next[column]) }
                                }
                            }
                            if mean {
                                let scale = 1 / Float(window.count)
                                for column in 0..<inner { line[column] *= scale }
                            }
                        }
                    }
                }
            }
        }
        return (result, pooled)
    }
}
