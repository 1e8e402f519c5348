import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// The UNet at `WeightPrecision.bf16` (linear layers, every convolution and attention from 64 keys on with BF16
/// operands, Float32 sums; normalisation and softmax Float32) against the same UNet at f32, on the random-weight
/// diffusers fixtures and Hallo's tiny talking denoiser. Tolerance: relative L2 of the output (|bf16 - f32| / |f32|)
/// below 2e-2; measured 1.07e-2 (unet-a), 7.7e-3 (unet-b) and 1.34e-2 (talking denoiser): a few units of BF16's
/// 2^-9 relative rounding of weights and inputs, the layers' errors adding up.
final class BF16UNetParityTests: XCTestCase {
    private static let tolerance = 2e-2

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

    /// Hallo's denoiser (the tiny masked checkpoint: motion modules, masked audio attention with its 1x1 zero
    /// convolutions, reference attention): the same bound.
    func testTalkingDenoiserAtBF16() throws {
        let io = try Fixture.safetensors("talking/denoiser-masked-expected.safetensors")
        let folder = Fixture.url("talking/talking-tiny-masked")
        let checkpoint = try TalkingHeadCheckpoint(directory: folder)
        let text = try io.tensor(named: "encoder_hidden_states")
        let bank = try checkpoint.referenceNet().bank(latents: io.tensor(named: "reference_latents"), text: text)
        let masks = AudioMasks(full: try io.tensor(named: "full_mask"), face: try io.tensor(named: "face_mask"), lip: try io.tensor(named: "lip_mask"))
        func run(_ precision: WeightPrecision) throws -> Tensor {
            try checkpoint.videoUNet(precision: precision)(io.tensor(named: "sample"), timestep: io.tensor(named: "timesteps").scalars[0], text: text,
                                                           audio: io.tensor(named: "audio_tokens"), reference: bank, referenceRows: [true], masks: masks)
        }
        let (f32, bf16) = (try run(.f32), try run(.bf16))
        let error = relativeL2(bf16, f32)
        XCTAssertLessThan(error, Self.tolerance, "talking denoiser: relative L2 of bf16 against f32")
        XCTAssertGreaterThan(error, 1e-4, "talking denoiser: bf16 gave f32's numbers")
        XCTAssertLessThan(relativeL2(bf16, try io.tensor(named: "out")), Self.tolerance, "talking denoiser: against Hallo")
    }

    /// Conv projections, cross-attention down first.
    func testUNetWithConvolutionProjectionsAtBF16() throws { try check("unet-a") }

    /// Linear projections and per-block heads.
    func testUNetWithLinearProjectionsAtBF16() throws { try check("unet-b") }
}
