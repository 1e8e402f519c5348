import Foundation
import XCTest
@testable import Tensors
import TensorTesting

/// Each operation against PyTorch 2.13 on the same inputs (ops.safetensors). Tolerance: 1e-4 relative.
final class TensorOperationParityTests: XCTestCase {
    private var ops: SafeTensorsFile!

    override func setUpWithError() throws { ops = try Fixture.safetensors("ops.safetensors") }
    private func t(_ name: String) throws -> Tensor { try ops.tensor(named: name) }

    func testLinearAndMatmul() throws {
        for packing in [true, false] {
            let weight = PackedLinearWeight(try t("linear.w"), packing: packing)
            assertClose(try t("linear.x").linear(weight, bias: t("linear.b")), try t("linear.out"), "linear, packed \(weight.isPacked)")
            assertClose(try t("linear.x").linear(weight, bias: nil), try t("linear.out") - t("linear.b"), "linear without bias")
            XCTAssertEqual(weight.unpacked, try t("linear.w"))
        }
        assertClose(try t("matmul.a").matmul(t("matmul.b")), try t("matmul.out"), "matmul")
        XCTAssertEqual(try t("linear.w").transposed().transposed(), try t("linear.w"))
        var sum = try t("linear.out")
        sum += try t("linear.out")
        XCTAssertEqual(sum, try t("linear.out") * 2)
        let transposedB = try t("matmul.b")
        var rows = [Float]()
        for column in 0..<11 { for row in 0..<9 { rows.append(transposedB.scalars[row * 11 + column]) } }
        assertClose(try t("matmul.a").matmul(Tensor(shape: [11, 9], scalars: rows), transposeRight: true),
                    try t("matmul.out"), "matmul with transposed right operand")
    }

    func testSelfAttentionCausal() throws {
        let out = Attention.scaledDotProduct(query: try t("self_attention.q"), key: try t("self_attention.k"),
                                             value: try t("self_attention.v"), heads: 4, causal: true)
        assertClose(out, try t("self_attention.out"), "causal self-attention")
    }

    func testCrossAttentionWithDifferentLengths() throws {
        let out = Attention.scaledDotProduct(query: try t("cross_attention.q"), key: try t("cross_attention.k"),
                                             value: try t("cross_attention.v"), heads: 3)
        assertClose(out, try t("cross_attention.out"), "cross-attention")
    }

    func testSoftmaxAndNorms() throws {
        assertClose(try t("softmax.x").softmaxLastDimension(), try t("softmax.out"), "softmax")
        assertClose(try t("layer_norm.x").layerNorm(weight: t("layer_norm.w"), bias: t("layer_norm.b")), try t("layer_norm.out"), "layer norm")
        assertClose(try t("group_norm.x").groupNorm(groups: 4, weight: t("group_norm.w"), bias: t("group_norm.b"), epsilon: 1e-6),
                    try t("group_norm.out"), "group norm")
    }

    func testConvolutions() throws {
        let x = try t("conv.x")
        let cases: [(String, Int, Int)] = [("conv3x3", 1, 1), ("conv3x3s2", 2, 1), ("conv1x1", 1, 0), ("conv2x2", 1, 0)]
        for (name, stride, padding) in cases {
            let out = x.conv2d(weight: try t("\(name).w"), bias: try t("\(name).b"), stride: stride, padding: padding)
            assertClose(out, try t("\(name).out"), name)
        }
    }

    /// The unfolded path (strided convolutions, processors without the direct kernel) unfolds large inputs in bands
    /// of output rows; compare a several-band case (2 images x 2 bands) with a direct double-precision convolution.
    /// Tolerance: 1e-4 relative.
    func testBandedConvolutionMatchesDirectEvaluation() {
        let x = Tensor.pseudoRandom([2, 512, 16, 16], seed: 31)
        let w = Tensor.pseudoRandom([3, 512, 3, 3], seed: 32), b = Tensor.pseudoRandom([3], seed: 33)
        var expected = Tensor(zeros: [2, 3, 16, 16])
        x.scalars.withUnsafeBufferPointer { input in
            for n in 0..<2 { for o in 0..<3 { for oy in 0..<16 { for ox in 0..<16 {
                var sum = Double(b.scalars[o])
                for c in 0..<512 { for ky in 0..<3 { for kx in 0..<3 {
                    let (iy, ix) = (oy - 1 + ky, ox - 1 + kx)
                    guard iy >= 0, iy < 16, ix >= 0, ix < 16 else { continue }
                    sum += Double(input[((n * 512 + c) * 16 + iy) * 16 + ix]) * Double(w.scalars[((o * 512 + c) * 3 + ky) * 3 + kx])
                } } }
                expected.scalars[((n * 3 + o) * 16 + oy) * 16 + ox] = Float(sum)
            } } } }
        }
        assertClose(x.unfoldedConv2d(weight: w, bias: b, stride: 1, padding: 1), expected, "3x3 over 512 channels in bands")
    }

    func testActivations() throws {
        let x = try t("act.x")
        assertClose(x.silu(), try t("act.silu"), "silu")
        assertClose(x.gelu(), try t("act.gelu"), "gelu")
        assertClose(x.quickGELU(), try t("act.quick_gelu"), "quick gelu")
        assertClose(try t("geglu.x").geglu(), try t("geglu.out"), "geglu")
        XCTAssertThrowsError(try x.activation(named: "relu6"))
    }

    func testUpsampleAndEmbedding() throws {
        assertClose(try t("upsample.x").upsampleNearest(factor: 2), try t("upsample.out"), "nearest upsample")
        let ids = try t("embedding.ids").scalars.map { Int($0) }
        assertClose(try Tensor.embedding(table: t("embedding.table"), ids: ids), try t("embedding.out"), "embedding")
        XCTAssertThrowsError(try Tensor.embedding(table: t("embedding.table"), ids: [10]))
    }

    /// The blocked `sgemm` path over several query blocks, called directly: `scaledDotProduct` sends long
    /// non-causal sequences to the fused kernel, so through it only causal attention would still reach several
    /// blocks. Cross-attention with more keys than queries, self-attention, causal, a batch of two and a last block
    /// shorter than the rest, against a direct double-precision evaluation (the PyTorch fixtures are too short to
    /// need more than one block). Tolerance: 1e-4 relative. The block sizes are those of a 1 MiB L2 whatever this
    /// machine's, so every case spans the blocks its comment says.
    func testBlockedAttentionOverSeveralBlocksMatchesDirectEvaluation() {
        let caches = CPUCaches.sizes(l1d: 32 << 10, l2: 1 << 20)
        let cases: [(batch: Int, queries: Int, keys: Int, heads: Int, width: Int, causal: Bool)] = [
            (1, 400, 4100, 2, 4, false),  // 127 rows a block: 4 blocks, the last of 19
            (2, 800, 800, 2, 4, false),  // 655 rows a block: 2 blocks, the last of 145
            (1, 1100, 1100, 2, 4, true),  // 476 rows a block: 3 blocks, the last of 148
            (2, 900, 900, 1, 4, true),  // 582 rows a block: 2 blocks
        ]
        for (index, c) in cases.enumerated() {
            let name = "\(c.batch)x\(c.queries) queries, \(c.keys) keys, \(c.heads) heads, causal \(c.causal)"
            let rows = Attention.blockedRows(queries: c.queries, keys: c.keys, caches: caches)
            XCTAssertGreaterThanOrEqual((c.queries + rows - 1) / rows, 2, "\(name): spans several blocks of \(rows) rows")
            let seed = 40 + UInt64(index) * 3
            let q = Tensor.pseudoRandom([c.batch, c.queries, c.width], seed: seed)
            let (k, v) = c.causal ? (q, Tensor.pseudoRandom([c.batch, c.keys, c.width], seed: seed + 2))
                : (Tensor.pseudoRandom([c.batch, c.keys, c.width], seed: seed + 1), Tensor.pseudoRandom([c.batch, c.keys, c.width], seed: seed + 2))
            assertClose(Attention.blockedProduct(query: q, key: k, value: v, heads: c.heads, causal: c.causal, caches: caches),
                        directAttention(q, k, v, heads: c.heads, causal: c.causal), name)
        }
    }

    func testSoftmaxExponentialMatchesExpf() {
        var worst: Float = 0
        var x: Float = -90
        while x < 10 {
            if x < -87.3 {
                XCTAssertEqual(exponential(x), 0)
            } else {
                worst = max(worst, abs(exponential(x) - expf(x)) / expf(x))
            }
            x += 0.00173
        }
        XCTAssertLessThan(worst, 1e-6, "relative error of the softmax exponential")
        XCTAssertEqual(exponential(-.infinity), 0)
        XCTAssertEqual(exponential(0), 1)
    }

    func testParallelPathsMatchSerialArithmetic() {
        // Large enough to be split across cores; every element must still be computed exactly once.
        let n = 200_003
        let x = Tensor(shape: [n], scalars: (0..<n).map { Float($0 % 97) - 48 })
        let y = x.map { $0 * 2 + 1 }
        XCTAssertEqual(y.scalars, x.scalars.map { $0 * 2 + 1 })
        let sum = x + Tensor(shape: [1], scalars: [0.5])
        XCTAssertEqual(sum.scalars, x.scalars.map { $0 + 0.5 })
    }
}
