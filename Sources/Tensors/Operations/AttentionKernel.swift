import FusedAttention

/// The instruction-set variants of the fused attention kernel (Sources/FusedAttention), chosen at run time.
/// Processors with neither run attention through the blocked `sgemm` path.
public enum AttentionKernel: String, CaseIterable, Sendable {
    case avx512
    case avx2

    package var variant: FusedAttentionVariant {
        switch self {
        case .avx512: return FusedAttentionVariantAVX512
        case .avx2: return FusedAttentionVariantAVX2
        }
    }

    /// Whether this processor runs the variant.
    public var isSupported: Bool { fused_attention_supports(variant) != 0 }

    /// The fastest variant this processor runs, if any.
    public static let fastest: AttentionKernel? = allCases.first { $0.isSupported }
}
