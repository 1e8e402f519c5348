import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// The UNet at `WeightPrecision.bf16` (linear layers and 3x3 convolutions on BF16 weights and inputs, Float32
/// sums; attention and normalisation Float32) against the same UNet at f32, on the random-weight diffusers fixtures.
/// Tolerance: relative L2 of the output (|bf16 - f32| / |f32|) below 2e-2; measured 8.9e-3 (unet-a) and 7.6e-3
/// (unet-b): a few units of BF16's 2^-9 relative rounding of weights and inputs, the layers' errors adding up.
final class BF16UNetParityTests: XCTestCase {
    private static let tolerance = 2e-2

    private func relativeL2(_ actual: Tensor, _ expected: Tensor) -> Double {
        var difference = 0.0, norm = 0.0
        for (a, e) in zip(actual.scalars, expected.scalars) {
            difference += Double(a - e) * Double(a - e)
            norm += Double(e) * Double(e)
        }
        return (difference / norm).squareRoot()
    }

    private func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let io = try Fixture.safetensors("networks.safetensors")
        let (sample, context) = (try io.tensor(named: "\(name).sample"), try io.tensor(named: "\(name).context"))
        let timesteps = try io.tensor(named: "\(name).timesteps").scalars
        let f32 = try UNet2DConditionModel(directory: Fixture.url(name))(sample, timesteps: timesteps, context: context)
        let bf16 = try UNet2DConditionModel(directory: Fixture.url(name), precision: .bf16)(sample, timesteps: timesteps, context: context)
        XCTAssertEqual(bf16.shape, f32.shape, file: file, line: line)
        let error = relativeL2(bf16, f32)
        XCTAssertLessThan(error, Self.tolerance, "\(name): relative L2 of bf16 against f32", file: file, line: line)
        // BF16 reached the layers: the output moved by about BF16's rounding, not by nothing.
        XCTAssertGreaterThan(error, 1e-4, "\(name): bf16 gave f32's numbers", file: file, line: line)
        XCTAssertLessThan(relativeL2(bf16, try io.tensor(named: "\(name).out")), Self.tolerance, "\(name): against diffusers", file: file, line: line)
    }

    /// Conv projections, cross-attention down first.
    func testUNetWithConvolutionProjectionsAtBF16() throws { try check("unet-a") }

    /// Linear projections and per-block heads.
    func testUNetWithLinearProjectionsAtBF16() throws { try check("unet-b") }
}
