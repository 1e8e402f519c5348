import WinogradConvolution

/// A 3x3 convolution weight [out, in, 3, 3] transformed once for Winograd's F(4x4, 3x3) (WinogradConvolution.h):
/// U = G g G^T per output and input channel, the 36 matrices [in x out] packed for the packed product. It holds
/// 4x the floats of the weight (36 per 9), so a layer makes it only where Winograd runs (`ConvolutionCandidates`).
package struct WinogradConvolutionWeight: @unchecked Sendable {
    package let outChannels: Int
    package let channels: Int
    /// In pages of its own, so a layer that drops the form gives its memory back to the system at once.
    package let packed: PageMappedFloats

    /// Whether this processor runs the Winograd convolution (AVX-512 with FMA, like the packed product).
    package static let kernelRuns = winograd_convolution_supported() != 0

    package init(_ weight: Tensor) {
        precondition(weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3, "Winograd F(4x4, 3x3) takes a 3x3 kernel, got \(weight.shape)")
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        (outChannels, channels) = (outputs, inputs)
        // Transformed straight into the packed panels, which the transform writes whole (padding columns as zeros).
        packed = PageMappedFloats(count: winograd_packed_weight_count(Int32(inputs), Int32(outputs))) { target in
            let packed = target.baseAddress!
            weight.scalars.withUnsafeBufferPointer { source in
                let base = source.baseAddress!
                concurrentChunks(count: outputs, minimumChunk: max(1, 8_192 / inputs)) { range in
                    winograd_transform_weight(base, Int32(inputs), Int32(outputs), Int32(range.lowerBound), Int32(range.upperBound), packed)
                }
            }
        }
    }
}
