import DirectConvolution

/// A convolution weight [out, in, k, k] packed once at load for the BF16 direct convolution: BF16 values, input
/// channels in pairs ([out][pairs][taps], DirectConvolutionBF16.h).
public struct BF16ConvolutionWeight: @unchecked Sendable {
    public let outChannels: Int
    public let channels: Int
    public let kernelSize: Int
    package let packed: [UInt32]

    /// Output channels per tile of the BF16 kernel.
    package static let tileRows = 8

    /// From PyTorch's layout [out, in, k, k] with an odd square kernel (what the direct convolution takes).
    public init(_ weight: Tensor) {
        precondition(weight.rank == 4 && weight.shape[2] == weight.shape[3] && weight.shape[2] % 2 == 1,
                     "the BF16 direct convolution takes an odd square kernel, got \(weight.shape)")
        let (outputs, inputs, size) = (weight.shape[0], weight.shape[1], weight.shape[2])
        (outChannels, channels, kernelSize) = (outputs, inputs, size)
        let taps = Int32(size * size)
        var values = [UInt32](repeating: 0, count: direct_convolution_bf16_weight_count(Int32(outputs), Int32(inputs), taps))
        weight.scalars.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                direct_convolution_pack_weight_bf16(source.baseAddress!, Int32(outputs), Int32(inputs), taps, target.baseAddress!)
            }
        }
        packed = values
    }

    /// The weight back in PyTorch's layout [out, in, k, k], as the Float32 values its BF16 ones hold.
    public var unpacked: Tensor {
        let taps = kernelSize * kernelSize, pairs = (channels + 1) / 2
        var values = [Float](repeating: 0, count: outChannels * channels * taps)
        for o in 0..<outChannels {
            for c in 0..<channels {
                for t in 0..<taps {
                    let pair = packed[(o * pairs + c / 2) * taps + t]
                    values[(o * channels + c) * taps + t] = Float(bitPattern: (c % 2 == 0 ? pair & 0xFFFF : pair >> 16) << 16)
                }
            }
        }
        return Tensor(shape: [outChannels, channels, kernelSize, kernelSize], scalars: values)
    }
}
