import WinogradConvolution

/// A 3x3 convolution weight [out, in, 3, 3] transformed once for Winograd's F(4x4, 3x3) (WinogradConvolution.h):
/// U = G g G^T per output and input channel, the 36 matrices [in x out] packed for the packed product. It holds
/// 4x the floats of the weight (36 per 9), so a layer makes it only where Winograd runs (`WinogradLayerWeight`).
package struct WinogradConvolutionWeight: @unchecked Sendable {
    package let outChannels: Int
    package let channels: Int
    package let packed: [Float]

    /// Whether this processor runs the Winograd convolution (AVX-512 with FMA, like the packed product).
    package static let kernelRuns = winograd_convolution_supported() != 0

    package init(_ weight: Tensor) {
        precondition(weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3, "Winograd F(4x4, 3x3) takes a 3x3 kernel, got \(weight.shape)")
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        (outChannels, channels) = (outputs, inputs)
        let transformed = UnsafeMutablePointer<Float>.allocate(capacity: winograd_transformed_weight_count(Int32(inputs), Int32(outputs)))
        defer { transformed.deallocate() }
        weight.scalars.withUnsafeBufferPointer { source in
            let base = source.baseAddress!
            concurrentChunks(count: outputs, minimumChunk: max(1, 8_192 / inputs)) { range in
                winograd_transform_weight(base, Int32(inputs), Int32(outputs), Int32(range.lowerBound), Int32(range.upperBound), transformed)
            }
        }
        // Packing writes every float of every position's panels (padding columns as zeros), so the array starts
        // uninitialized rather than zeroed: a pass over 4x the weight saved at load.
        let count = winograd_packed_weight_count(Int32(inputs), Int32(outputs))
        packed = [Float](unsafeUninitializedCapacity: count) { target, initialized in
            let base = target.baseAddress!
            concurrentChunks(count: Int(WINOGRAD_POSITIONS), minimumChunk: max(1, 65_536 / max(1, inputs * outputs))) { range in
                for position in range { winograd_pack_weight(transformed, Int32(inputs), Int32(outputs), Int32(position), base) }
            }
            initialized = count
        }
    }
}
