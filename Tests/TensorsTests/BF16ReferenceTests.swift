import Foundation
import XCTest
@testable import Tensors
import TensorTesting

/// The BF16 kernels against PyTorch's BFloat16 semantics (fixtures from scripts/make-bf16-fixtures.py, torch
/// 2.13.0+cpu): rounding bit for bit, and products and convolutions whose results, rounded to BF16 as PyTorch's
/// bf16 ops return them, are PyTorch's or its BF16 neighbour (the sums' order differs); attention within the bound
/// its softmax weights' rounding sets.
final class BF16ReferenceTests: XCTestCase {
    private let fixtures = Result { try Fixture.safetensors("bf16.safetensors") }

    func testRoundingIsPyTorchs() throws {
        let file = try fixtures.get()
        let (x, expected) = (try file.tensor(named: "round.x"), try file.tensor(named: "round.out"))
        XCTAssertEqual(x.scalars.map { WeightPrecision.bf16Rounded($0).bitPattern }, expected.scalars.map(\.bitPattern))
    }

    /// Every element's BF16 rounding within one BF16 step of PyTorch's, and at least 90% equal.
    private func assertBF16Neighbours(_ actual: Tensor, _ expected: Tensor, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.shape, expected.shape, name, file: file, line: line)
        var equal = 0, worst = 0
        for (a, e) in zip(actual.scalars, expected.scalars) {
            let steps = abs(Int(WeightPrecision.bf16Rounded(a).bitPattern >> 16) - Int(e.bitPattern >> 16))
            worst = max(worst, steps)
            if steps == 0 { equal += 1 }
        }
        XCTAssertLessThanOrEqual(worst, 1, "\(name): BF16 steps from PyTorch", file: file, line: line)
        XCTAssertGreaterThanOrEqual(Double(equal), 0.9 * Double(expected.count), "\(name): \(equal) of \(expected.count) equal", file: file, line: line)
    }

    func testLinearMatchesPyTorchBF16() throws {
        let file = try fixtures.get()
        let weight = PackedLinearWeight(try file.tensor(named: "linear.weight"), precision: .bf16)
        // PyTorch's bf16 linear adds the bias as BF16.
        let bias = try file.tensor(named: "linear.bias").map(WeightPrecision.bf16Rounded)
        let output = try file.tensor(named: "linear.x").linear(weight, bias: bias)
        assertBF16Neighbours(output, try file.tensor(named: "linear.out"), "linear")
    }

    func testConvolutionMatchesPyTorchBF16() throws {
        let file = try fixtures.get()
        let (x, weight) = (try file.tensor(named: "conv.x"), try file.tensor(named: "conv.weight"))
        let bias = try file.tensor(named: "conv.bias").map(WeightPrecision.bf16Rounded)
        let output = WeightPrecision.bf16KernelRuns
            ? x.directConv2d(weight: BF16ConvolutionWeight(weight), bias: bias)
            : x.map(WeightPrecision.bf16Rounded).conv2d(weight: weight.map(WeightPrecision.bf16Rounded), bias: bias, padding: 1)
        assertBF16Neighbours(output, try file.tensor(named: "conv.out"), "conv")
    }

    /// PyTorch's bf16 `scaled_dot_product_attention`, 2 heads of 40 over 130 keys (three blocks of 64): both sides
    /// round q, k and v to BF16 and round the softmax weights to BF16 (each at most 2^-9 of a weight, at its own
    /// running maximum), and PyTorch rounds its output. So each output lies within 2 x 2^-9 of sum_j p_j |v_j| /
    /// sum_j p_j (attention over |v|) and one BF16 step of the output from PyTorch's. Without AVX512-BF16 the
    /// Float32 kernel gets the rounded operands, as the bf16 layers' inputs would be on the BF16 kernel.
    func testAttentionMatchesPyTorchBF16() throws {
        let file = try fixtures.get()
        let rounded = { (tensor: Tensor) in tensor.map(WeightPrecision.bf16Rounded) }
        let (q, k, v) = (try file.tensor(named: "attention.q"), try file.tensor(named: "attention.k"), try file.tensor(named: "attention.v"))
        let output = Attention.bf16KernelRuns
            ? Attention.scaledDotProduct(query: q, key: k, value: v, heads: 2, precision: .bf16)
            : Attention.scaledDotProduct(query: rounded(q), key: rounded(k), value: rounded(v), heads: 2)
        let expected = try file.tensor(named: "attention.out")
        let spread = directAttention(rounded(q), rounded(k), rounded(v).map(abs), heads: 2, causal: false)
        XCTAssertEqual(output.shape, expected.shape)
        var worst: Float = 0
        for i in expected.scalars.indices {
            let allowed = (2 * 0x1p-9 + 1e-4) * spread.scalars[i] + 0x1p-8 * abs(expected.scalars[i]) + 1e-6
            worst = max(worst, abs(output.scalars[i] - expected.scalars[i]) / allowed)
        }
        XCTAssertLessThanOrEqual(worst, 1, "attention: worst difference from PyTorch's bf16 as a share of the bound")
    }
}
