import CPUFeatures
import PackedMatrixProduct

/// The number format a network's linear layers compute in. `f32` is the default and the reference; `bf16` stores
/// the weights as BFloat16 and rounds each layer's input to BFloat16 (to nearest, ties to even), summing in
/// Float32, on AVX512-BF16's dot products. Where the processor lacks AVX512-BF16, `bf16` keeps the BF16-rounded
/// weights as Float32 and the inputs unrounded, on the Float32 kernels: the same weights, so the same class of
/// numbers, without the speed.
public enum WeightPrecision: String, CaseIterable, Sendable {
    case f32, bf16

    /// Whether `bf16` runs the BF16 kernels on this processor (else its Float32 fallback).
    public static let bf16KernelRuns = packed_matrix_bf16_supported() != 0

    /// `value` rounded to the nearest BFloat16 (ties to even), as a Float: the one rounding the BF16 kernels use.
    @inlinable public static func bf16Rounded(_ value: Float) -> Float { bf16_to_float(bf16_from_float(value)) }
}
