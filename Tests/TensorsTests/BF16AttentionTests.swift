import FusedAttention
import XCTest
@testable import Tensors
import TensorTesting

/// The fused attention's BF16 variant (FusedAttentionAVX512.c, `--precision bf16`): queries, keys and values rounded
/// to BF16, scores and the softmax in Float32, the softmax weights rounded to BF16 for the value product.
/// Against a double-precision attention over the rounded q, k and v, the one further error is the weights'
/// rounding, at most 2^-9 of each weight; so each output may differ by 2^-9 of sum_j p_j |v_j| / sum_j p_j (that
/// attention over |v|), plus the Float32 sums' error over the scores.
final class BF16AttentionTests: XCTestCase {
    private let cases: [(batch: Int, queries: Int, keys: Int, heads: Int, headDim: Int, magnitude: Float)] = [
        (1, 37, 70, 2, 8, 1), (2, 130, 333, 3, 40, 1), (1, 65, 64, 1, 40, 1), (1, 70, 129, 2, 64, 1),
        (1, 9, 200, 2, 80, 1), (1, 3, 1, 1, 12, 1), (1, 11, 90, 1, 33, 1), (1, 20, 150, 1, 64, 6),
    ]

    private func rounded(_ tensor: Tensor) -> Tensor { tensor.map(WeightPrecision.bf16Rounded) }

    func testBF16VariantMatchesDoubleAttentionOfRoundedOperands() throws {
        guard Attention.bf16KernelRuns else {
            // Elsewhere the variant refuses, and `precision` bf16 keeps attention in Float32.
            return XCTAssertEqual(fused_attention_rows(FusedAttentionVariantAVX512BF16, nil, 1, 8, nil, 8, 1, 1, nil, 8, nil), -1)
        }
        for (index, c) in cases.enumerated() {
            let width = c.heads * c.headDim
            let q = Tensor.pseudoRandom([c.batch, c.queries, width], seed: 700 + UInt64(index)) * c.magnitude
            let k = Tensor.pseudoRandom([c.batch, c.keys, width], seed: 800 + UInt64(index)) * c.magnitude
            let v = Tensor.pseudoRandom([c.batch, c.keys, width], seed: 900 + UInt64(index))
            let output = Attention.fusedProduct(query: q, key: k, value: v, heads: c.heads, variant: FusedAttentionVariantAVX512BF16)
            let (qr, kr, vr) = (rounded(q), rounded(k), rounded(v))
            let expected = directAttention(qr, kr, vr, heads: c.heads, causal: false)
            let spread = directAttention(qr, kr, vr.map(abs), heads: c.heads, causal: false)
            // Float32 sums of head_dim exact products: at most head_dim * 2^-24 of sum |q_i k_i| <= head_dim * magnitude^2.
            let scoreError = 2 * Float(c.headDim * c.headDim) * c.magnitude * c.magnitude * 0x1p-24 / Float(c.headDim).squareRoot()
            var worst: Float = 0
            for i in output.scalars.indices {
                let allowed = (0x1p-9 + scoreError + 1e-5) * spread.scalars[i] + 1e-6
                worst = max(worst, abs(output.scalars[i] - expected.scalars[i]) / allowed)
            }
            XCTAssertLessThanOrEqual(worst, 1, "case \(index): \(c)")
            // The rounding is there: unrounded operands give other numbers.
            let float32 = directAttention(q, k, v, heads: c.heads, causal: false)
            XCTAssertGreaterThan(zip(output.scalars, float32.scalars).map { abs($0 - $1) }.max()!, 1e-5, "case \(index) computed in Float32")
        }
    }

    /// `scaledDotProduct` at bf16 takes the BF16 variant from `fusedMinimumKeys` keys on and stays Float32 below
    /// (the blocked path), and everywhere on a processor without AVX512-BF16.
    func testScaledDotProductTakesTheBF16VariantOnlyAtBF16() {
        for keys in [Attention.fusedMinimumKeys - 1, Attention.fusedMinimumKeys + 45] {
            let q = Tensor.pseudoRandom([2, 33, 80], seed: 50), k = Tensor.pseudoRandom([2, keys, 80], seed: 51)
            let v = Tensor.pseudoRandom([2, keys, 80], seed: 52)
            let bf16 = Attention.scaledDotProduct(query: q, key: k, value: v, heads: 2, precision: .bf16)
            let f32 = Attention.scaledDotProduct(query: q, key: k, value: v, heads: 2)
            if keys >= Attention.fusedMinimumKeys && Attention.bf16KernelRuns {
                XCTAssertEqual(bf16.scalars, Attention.fusedProduct(query: q, key: k, value: v, heads: 2, variant: FusedAttentionVariantAVX512BF16).scalars)
                XCTAssertNotEqual(bf16.scalars, f32.scalars)
            } else {
                XCTAssertEqual(bf16.scalars, f32.scalars, "\(keys) keys")
            }
        }
    }
}
