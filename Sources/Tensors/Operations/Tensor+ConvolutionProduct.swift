import Foundation

extension Tensor {
    /// 2-D convolution of [N, C, H, W] as one product against a weight packed at load: each output position's
    /// patch (C x k x k, in PyTorch's weight order) is a row, the weight [O, C*k*k] a linear layer's, and the
    /// product's rows [N*outH*outW, O] go back to [N, O, outH, outW]. This is how `--precision bf16` runs 1x1 and
    /// strided convolutions on the BF16 product kernel (the direct BF16 kernel takes stride 1 with "same" padding
    /// only); a 1x1 kernel at stride 1 needs no unfolding, only the two transposes.
    package func productConv2d(weight: PackedLinearWeight, bias: Tensor?, kernel: Int, stride: Int, padding: Int) -> Tensor {
        precondition(rank == 4 && weight.inputWidth == shape[1] * kernel * kernel,
                     "conv2d weight [\(weight.outputWidth), \(weight.inputWidth)] does not fit a \(kernel)x\(kernel) kernel on \(shape)")
        precondition(stride > 0 && padding >= 0, "conv2d stride must be positive and padding non-negative")
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let outH = (height + 2 * padding - kernel) / stride + 1, outW = (width + 2 * padding - kernel) / stride + 1
        precondition(outH > 0 && outW > 0, "conv2d kernel larger than padded input")
        let positions = outH * outW
        let rows = kernel == 1 && stride == 1 && padding == 0
            ? swappingMiddleAxes(outer: batch, first: channels, second: positions, inner: 1)
            : unfoldedRows(kernel: kernel, stride: stride, padding: padding, outHeight: outH, outWidth: outW)
        return rows.reshaped([batch * positions, weight.inputWidth]).linear(weight, bias: bias)
            .swappingMiddleAxes(outer: batch, first: positions, second: weight.outputWidth, inner: 1)
            .reshaped([batch, weight.outputWidth, outH, outW])
    }

    /// [N * outH * outW, C * k * k]: row (n, oy, ox) holds the input under the kernel at that output position,
    /// column (c, ky, kx); zero where a tap falls in the padding.
    private func unfoldedRows(kernel: Int, stride: Int, padding: Int, outHeight: Int, outWidth: Int) -> Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let patch = channels * kernel * kernel
        var result = [Float](repeating: 0, count: batch * outHeight * outWidth * patch)
        result.withUnsafeMutableBufferPointer { out in
            scalars.withUnsafeBufferPointer { inp in
                let (source, target) = (inp.baseAddress!, out.baseAddress!)
                concurrentChunks(count: batch * outHeight, minimumChunk: max(1, 16_384 / max(1, outWidth * patch))) { range in
                    for unit in range {
                        let (image, oy) = (unit / outHeight, unit % outHeight)
                        for ox in 0..<outWidth {
                            let row = target + (unit * outWidth + ox) * patch
                            for channel in 0..<channels {
                                let plane = source + (image * channels + channel) * height * width
                                for ky in 0..<kernel {
                                    let iy = oy * stride - padding + ky
                                    guard iy >= 0 && iy < height else { continue }  // the row is already zero
                                    for kx in 0..<kernel {
                                        let ix = ox * stride - padding + kx
                                        if ix >= 0 && ix < width { row[(channel * kernel + ky) * kernel + kx] = plane[iy * width + ix] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch * outHeight * outWidth, patch], scalars: result)
    }
}
