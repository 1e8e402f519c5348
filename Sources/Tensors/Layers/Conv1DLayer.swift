import Foundation

/// A 1-D convolution without padding on time-major signals: input [T, C] row-major, output [T', O] with
/// T' = (T - kernel) / stride + 1, as PyTorch's `nn.Conv1d` on [1, C, T] transposed.
///
/// Time-major rows make every kernel tap a strided view of the input: tap k of output row t is input row
/// t * stride + k. Wide inputs therefore need no unfolding: one sgemm per tap reads the input in place (row
/// stride `stride * C`) and accumulates into the output. Narrow inputs (the waveform, C = 1) are unfolded into
/// [T', kernel * C] first so the product has a useful inner dimension.
package struct Conv1DLayer {
    package let inChannels: Int
    package let outChannels: Int
    package let kernel: Int
    package let stride: Int
    /// [kernel, O, C]: tap k's weights as a row-major [O, C] matrix (PyTorch stores [O, C, kernel]).
    package let taps: [Float]
    /// [O, kernel * C] with k-major columns, for the unfolded path.
    package let unfoldedWeight: [Float]
    package let bias: [Float]?

    /// Below this many patch values the unfolding copy is cheaper than `kernel` thin products.
    private static let unfoldLimit = 256

    package init(weight: Tensor, bias: Tensor?, stride: Int) {
        precondition(weight.rank == 3, "conv1d weight must be [out, in, kernel], got \(weight.shape)")
        (outChannels, inChannels, kernel) = (weight.shape[0], weight.shape[1], weight.shape[2])
        self.stride = stride
        var taps = [Float](repeating: 0, count: weight.count)
        var unfolded = [Float](repeating: 0, count: weight.count)
        for o in 0..<outChannels {
            for c in 0..<inChannels {
                for k in 0..<kernel {
                    let value = weight.scalars[(o * inChannels + c) * kernel + k]
                    taps[(k * outChannels + o) * inChannels + c] = value
                    unfolded[o * kernel * inChannels + k * inChannels + c] = value
                }
            }
        }
        self.taps = taps
        self.unfoldedWeight = unfolded
        self.bias = bias?.scalars
    }

    package func outputLength(forInput length: Int) -> Int {
        length < kernel ? 0 : (length - kernel) / stride + 1
    }

    /// Convolves `length` rows of `input` ([length, C]) into a new [T', O] buffer.
    package func callAsFunction(_ input: UnsafePointer<Float>, length: Int) -> [Float] {
        let rows = outputLength(forInput: length)
        var output = [Float](repeating: 0, count: rows * outChannels)
        guard rows > 0 else { return output }
        output.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!
            if let bias {
                for row in 0..<rows { (outBase + row * outChannels).update(from: bias, count: outChannels) }
            }
            let patch = kernel * inChannels
            if patch <= Self.unfoldLimit {
                // Row t of the patch matrix is input[t * stride ..< t * stride + kernel] (contiguous in time-major).
                let columns = UnsafeMutablePointer<Float>.allocate(capacity: rows * patch)
                defer { columns.deallocate() }
                for row in 0..<rows { (columns + row * patch).update(from: input + row * stride * inChannels, count: patch) }
                unfoldedWeight.withUnsafeBufferPointer { w in
                    splitSGEMM(transposeRight: true, rows: rows, columns: outChannels, inner: patch,
                               left: columns, leftStride: patch, right: w.baseAddress!, rightStride: patch,
                               accumulate: bias != nil, output: outBase, outputStride: outChannels)
                }
            } else {
                taps.withUnsafeBufferPointer { w in
                    for k in 0..<kernel {
                        splitSGEMM(transposeRight: true, rows: rows, columns: outChannels, inner: inChannels,
                                   left: input + k * inChannels, leftStride: stride * inChannels,
                                   right: w.baseAddress! + k * outChannels * inChannels, rightStride: inChannels,
                                   accumulate: k > 0 || bias != nil, output: outBase, outputStride: outChannels)
                    }
                }
            }
        }
        return output
    }
}
