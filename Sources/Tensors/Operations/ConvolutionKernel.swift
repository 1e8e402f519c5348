import DirectConvolution

/// The instruction-set variants of the direct convolution kernel (Sources/DirectConvolution), chosen at run time.
/// Processors with neither, strided convolutions and 1x1 kernels run through the unfolded `sgemm` path.
public enum ConvolutionKernel: String, CaseIterable, Sendable {
    case avx512
    case avx2

    package var variant: DirectConvolutionVariant {
        switch self {
        case .avx512: return DirectConvolutionVariantAVX512
        case .avx2: return DirectConvolutionVariantAVX2
        }
    }

    /// Whether this processor runs the variant.
    public var isSupported: Bool { direct_convolution_supports(variant) != 0 }

    /// Output channels per tile.
    package var tileRows: Int { Int(direct_convolution_tile_rows(variant)) }

    /// The fastest variant this processor runs, if any.
    public static let fastest: ConvolutionKernel? = allCases.first { $0.isSupported }
}
