import Foundation
import XCTest
@testable import Tensors
import TensorTesting

/// The BF16 kernels against PyTorch's BFloat16 semantics (fixtures from scripts/make-bf16-fixtures.py, torch
/// 2.13.0+cpu): rounding bit for bit, and products and convolutions whose results, rounded to BF16 as PyTorch's
/// bf16 ops return them, are PyTorch's or its BF16 neighbour (the sums' order differs).
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
}
