import XCTest
@testable import Tensors
import TensorTesting

/// The fused attention kernel, each instruction-set variant this processor runs, against a direct
/// double-precision evaluation. Tolerance: 1e-4 relative, as for the PyTorch fixtures.
final class FusedAttentionTests: XCTestCase {
    private struct Case {
        let batch: Int, queries: Int, keys: Int, heads: Int, headDim: Int
        /// Multiplies queries and keys; large values give scores in the hundreds, so the running maximum moves
        /// far between key blocks and a wrong rescale would show.
        var magnitude: Float = 1
        var name: String { "\(batch)x\(queries) queries, \(keys) keys, \(heads) heads x \(headDim), magnitude \(magnitude)" }
    }

    /// Query and key counts off the 8-row tiles and 64-key blocks, the head widths of SD1.5's UNet (40, 80, 160
    /// at 8 heads), CLIP (64) and small ones, fewer keys than queries and more.
    private let cases = [
        Case(batch: 1, queries: 37, keys: 70, heads: 2, headDim: 8),
        Case(batch: 2, queries: 130, keys: 333, heads: 3, headDim: 40),
        Case(batch: 1, queries: 65, keys: 64, heads: 1, headDim: 40),
        Case(batch: 1, queries: 70, keys: 129, heads: 2, headDim: 64),
        Case(batch: 1, queries: 9, keys: 200, heads: 2, headDim: 80),
        Case(batch: 1, queries: 3, keys: 1, heads: 1, headDim: 12),
        Case(batch: 1, queries: 50, keys: 300, heads: 2, headDim: 40, magnitude: 12),
        Case(batch: 1, queries: 20, keys: 150, heads: 1, headDim: 64, magnitude: 10),
    ]

    private func inputs(_ c: Case, seed: UInt64) -> (Tensor, Tensor, Tensor) {
        let width = c.heads * c.headDim
        let q = Tensor.pseudoRandom([c.batch, c.queries, width], seed: seed) * c.magnitude
        let k = Tensor.pseudoRandom([c.batch, c.keys, width], seed: seed + 1) * c.magnitude
        let v = Tensor.pseudoRandom([c.batch, c.keys, width], seed: seed + 2)
        return (q, k, v)
    }

    func testEveryVariantMatchesDirectEvaluation() throws {
        let kernels = AttentionKernel.allCases.filter(\.isSupported)
        try XCTSkipIf(kernels.isEmpty, "this processor runs no fused attention variant")
        for (index, c) in cases.enumerated() {
            let (q, k, v) = inputs(c, seed: 100 + UInt64(index) * 3)
            let expected = directAttention(q, k, v, heads: c.heads, causal: false)
            for kernel in kernels {
                assertClose(Attention.fusedProduct(query: q, key: k, value: v, heads: c.heads, kernel: kernel), expected,
                            "\(kernel.rawValue): \(c.name)")
            }
        }
    }

    /// PyTorch's cross-attention fixture (ops.safetensors, made by scripts/make-parity-fixtures.py) through every variant.
    func testEveryVariantMatchesThePyTorchFixture() throws {
        let kernels = AttentionKernel.allCases.filter(\.isSupported)
        try XCTSkipIf(kernels.isEmpty, "this processor runs no fused attention variant")
        let ops = try Fixture.safetensors("ops.safetensors")
        let (q, k, v) = (try ops.tensor(named: "cross_attention.q"), try ops.tensor(named: "cross_attention.k"),
                         try ops.tensor(named: "cross_attention.v"))
        for kernel in kernels {
            assertClose(Attention.fusedProduct(query: q, key: k, value: v, heads: 3, kernel: kernel),
                        try ops.tensor(named: "cross_attention.out"), "\(kernel.rawValue): PyTorch cross-attention")
        }
    }

    /// The largest magnitude case really moves the running maximum: its scores span more than float's e^x range,
    /// so a softmax without the shift would overflow.
    func testLargeMagnitudeScoresExceedTheExponentialRange() {
        let c = cases.last!
        let (q, k, _) = inputs(c, seed: 100 + UInt64(cases.count - 1) * 3)
        let scores = q.reshaped([c.queries, c.headDim]).matmul(k.reshaped([c.keys, c.headDim]), transposeRight: true) * (1 / Float(c.headDim).squareRoot())
        XCTAssertGreaterThan(scores.scalars.map(abs).max()!, 89, "scores stay small enough for plain expf")
    }

    /// `scaledDotProduct` takes the fused path from `fusedMinimumKeys` keys on, when the processor has a variant,
    /// and the blocked path below; both agree with the direct evaluation.
    func testBothPathsOfScaledDotProductMatchDirectEvaluation() {
        for keys in [Attention.fusedMinimumKeys - 1, Attention.fusedMinimumKeys + 45] {
            let c = Case(batch: 2, queries: 33, keys: keys, heads: 2, headDim: 40)
            let (q, k, v) = inputs(c, seed: 200 + UInt64(keys))
            assertClose(Attention.scaledDotProduct(query: q, key: k, value: v, heads: 2),
                        directAttention(q, k, v, heads: 2, causal: false), c.name)
        }
    }

    /// A NaN in one query row makes that row NaN and leaves the others finite, so the render's finite check
    /// still sees poisoned inputs.
    func testNaNQueryPoisonsOnlyItsRow() throws {
        let kernels = AttentionKernel.allCases.filter(\.isSupported)
        try XCTSkipIf(kernels.isEmpty, "this processor runs no fused attention variant")
        var (q, k, v) = inputs(Case(batch: 1, queries: 10, keys: 300, heads: 1, headDim: 40), seed: 300)
        q.scalars[3 * 40 + 7] = .nan
        for kernel in kernels {
            let out = Attention.fusedProduct(query: q, key: k, value: v, heads: 1, kernel: kernel)
            for row in 0..<10 {
                let values = out.scalars[(row * 40)..<((row + 1) * 40)]
                if row == 3 {
                    XCTAssertTrue(values.allSatisfy(\.isNaN), "\(kernel.rawValue): the NaN row")
                } else {
                    XCTAssertTrue(values.allSatisfy(\.isFinite), "\(kernel.rawValue): row \(row)")
                }
            }
        }
    }
}
