import COpenBLAS
import Foundation

extension Tensor {
    /// 3-D convolution of a video [N, C, T, H, W] with weight [O, C, kt, kh, kw] and optional bias [O], moved by
    /// STRIDE (one spatial stride for both axes) over the input zero-padded by PADDING: PyTorch's
    /// `F.conv3d(F.pad(x, padding), weight, bias, stride)`.
    ///
    /// Computed as kt 2-D convolutions over frames: output frame t is the sum over the temporal taps k of the 2-D
    /// convolution of input frame t * stride + k - front with the kernel's slice k. The 2-D paths do the work (the
    /// direct kernel for 3x3 at stride 1, im2col and sgemm otherwise), and a frame in the temporal padding is skipped,
    /// since it adds zero.
    package func conv3d(weight: Tensor, bias: Tensor?, stride: (time: Int, space: Int) = (1, 1),
                        padding: Padding3D = .none) -> Tensor {
        precondition(rank == 5 && weight.rank == 5, "conv3d takes [N, C, T, H, W] and [O, C, kt, kh, kw]")
        precondition(weight.shape[1] == shape[1], "conv3d weight \(weight.shape) does not fit input \(shape)")
        precondition(bias.map { $0.count == weight.shape[0] } ?? true, "conv3d bias does not fit \(weight.shape[0]) outputs")
        precondition(stride.time > 0 && stride.space > 0, "conv3d strides must be positive")
        let (batch, frames, height, width) = (shape[0], shape[2], shape[3], shape[4])
        let (outChannels, kernelT, kernelH, kernelW) = (weight.shape[0], weight.shape[2], weight.shape[3], weight.shape[4])
        let outT = (frames + padding.front + padding.back - kernelT) / stride.time + 1
        let outH = (height + padding.top + padding.bottom - kernelH) / stride.space + 1
        let outW = (width + padding.left + padding.right - kernelW) / stride.space + 1
        precondition(outT > 0 && outH > 0 && outW > 0, "conv3d kernel \(weight.shape) larger than the padded input \(shape)")

        var planes = framesFirst()
        var spatial = (height: padding.top, width: padding.left)
        if padding.top != padding.bottom || padding.left != padding.right {
            // The 2-D convolution pads each axis evenly; TensorFlow's "SAME" may put one more row or column after.
            planes = planes.zeroPadded(top: padding.top, bottom: padding.bottom, left: padding.left, right: padding.right)
            spatial = (0, 0)
        }
        var sum: Tensor?
        for tap in 0..<kernelT {
            var sources: [Int] = [], targets: [Int] = []
            for item in 0..<batch {
                for t in 0..<outT {
                    let source = t * stride.time + tap - padding.front
                    guard source >= 0, source < frames else { continue }
                    sources.append(item * frames + source)
                    targets.append(item * outT + t)
                }
            }
            guard !sources.isEmpty else { continue }
            let identity = sources.count == planes.shape[0] && sources.enumerated().allSatisfy { $0.offset == $0.element }
            let input = identity ? planes : planes.gatheringFirstAxis(sources)
            let result = input.conv2d(weight: weight.temporalSlice(tap), bias: nil, stride: stride.space, padding: spatial)
            if sum == nil, targets.count == batch * outT {
                sum = result  // Every output frame has this tap, in order: the first term of the sum.
            } else {
                if sum == nil { sum = Tensor(zeros: [batch * outT, outChannels, outH, outW]) }
                sum!.addFirstAxisEntries(result, at: targets)
            }
        }
        var output = sum ?? Tensor(zeros: [batch * outT, outChannels, outH, outW])
        if let bias { output.addChannelBias(bias) }
        return output.framesToVideo(batch: batch)
    }

    /// [N, C, T, H, W] -> [N * T, C, H, W]: each frame's channels together, so a 2-D operation takes frames as a batch.
    package func framesFirst() -> Tensor {
        precondition(rank == 5, "framesFirst takes [N, C, T, H, W], got \(shape)")
        return transposedSecondAndThird(shape[0], shape[1], shape[2], shape[3] * shape[4])
            .reshaped([shape[0] * shape[2], shape[1], shape[3], shape[4]])
    }

    /// [N * T, C, H, W] -> [N, C, T, H, W], the inverse of `framesFirst`.
    package func framesToVideo(batch: Int) -> Tensor {
        precondition(rank == 4 && batch > 0 && shape[0] % batch == 0, "framesToVideo takes [N * T, C, H, W], got \(shape)")
        let frames = shape[0] / batch
        return transposedSecondAndThird(batch, frames, shape[1], shape[2] * shape[3])
            .reshaped([batch, shape[1], frames, shape[2], shape[3]])
    }

    /// The scalars read as [A, B, C, P] with B and C swapped, planes of P moved whole.
    private func transposedSecondAndThird(_ a: Int, _ b: Int, _ c: Int, _ plane: Int) -> Tensor {
        var result = Tensor(zeros: [a, c, b, plane])
        scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { output in
                let source = input.baseAddress!, target = output.baseAddress!
                concurrentChunks(count: a * b, minimumChunk: max(1, 65_536 / max(1, c * plane))) { range in
                    for row in range {
                        let (i, j) = (row / b, row % b)
                        for k in 0..<c {
                            (target + ((i * c + k) * b + j) * plane).update(from: source + ((i * b + j) * c + k) * plane, count: plane)
                        }
                    }
                }
            }
        }
        return result
    }

    /// The weight's temporal slice TAP: [O, C, kt, kh, kw] -> [O, C, kh, kw].
    private func temporalSlice(_ tap: Int) -> Tensor {
        let (outer, kernelT, plane) = (shape[0] * shape[1], shape[2], shape[3] * shape[4])
        var values = [Float](repeating: 0, count: outer * plane)
        for index in 0..<outer {
            for position in 0..<plane { values[index * plane + position] = scalars[(index * kernelT + tap) * plane + position] }
        }
        return Tensor(shape: [shape[0], shape[1], shape[3], shape[4]], scalars: values)
    }

    /// [N, C, H, W] with zero rows above and below and zero columns left and right.
    private func zeroPadded(top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let (outH, outW) = (height + top + bottom, width + left + right)
        var result = Tensor(zeros: [shape[0], shape[1], outH, outW])
        scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { output in
                let source = input.baseAddress!, target = output.baseAddress!
                for plane in 0..<planes {
                    for y in 0..<height {
                        (target + (plane * outH + y + top) * outW + left).update(from: source + (plane * height + y) * width, count: width)
                    }
                }
            }
        }
        return result
    }

    /// The entries INDICES of the first axis, in that order.
    private func gatheringFirstAxis(_ indices: [Int]) -> Tensor {
        let entry = count / shape[0]
        var result = Tensor(zeros: [indices.count] + shape.dropFirst())
        scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { output in
                for (position, index) in indices.enumerated() {
                    (output.baseAddress! + position * entry).update(from: input.baseAddress! + index * entry, count: entry)
                }
            }
        }
        return result
    }

    /// Adds entry i of VALUES to entry TARGETS[i] of the first axis.
    private mutating func addFirstAxisEntries(_ values: Tensor, at targets: [Int]) {
        let entry = count / shape[0]
        values.scalars.withUnsafeBufferPointer { input in
            scalars.withUnsafeMutableBufferPointer { output in
                let source = input.baseAddress!, target = output.baseAddress!
                concurrentChunks(count: targets.count, minimumChunk: max(1, 65_536 / max(1, entry))) { range in
                    for position in range {
                        cblas_saxpy(Int32(entry), 1, source + position * entry, 1, target + targets[position] * entry, 1)
                    }
                }
            }
        }
    }

    /// Adds BIAS[c] to every value of channel c (dimension 1).
    private mutating func addChannelBias(_ bias: Tensor) {
        let (channels, plane) = (shape[1], shape.dropFirst(2).reduce(1, *))
        scalars.withUnsafeMutableBufferPointer { buffer in
            let values = buffer.baseAddress!
            for block in 0..<(buffer.count / plane) {
                let shift = bias.scalars[block % channels]
                for index in (block * plane)..<((block + 1) * plane) { values[index] += shift }
            }
        }
    }
}
