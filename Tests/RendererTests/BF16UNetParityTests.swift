import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// The UNet at `WeightPrecision.bf16` (linear layers, every convolution and attention from 64 keys on with BF16
/// operands, Float32 sums; normalisation and softmax Float32) against the same UNet at f32, on the random-weight
/// diffusers fixtures and Hallo's tiny talking denoiser. Tolerance: relative L2 of the output (|bf16 - f32| / |f32|)
/// below 2e-2; measured 1.07e-2 (unet-a), 7.7e-3 (unet-b) and 1.34e-2 (talking denoiser): a few units of BF16's
/// 2^-9 relative rounding of weights and inputs, the layers' errors adding up. Each check runs the bf16 network four
/// times, its 3x3 layers on the BF16 direct kernel, on Winograd's Float32 path over the BF16-rounded weights (its
/// transform held, and streamed) and on the BF16 product over unfolded patches (the four that `ConvolutionChoice`
/// picks between by timing), and holds each to the bound.
final class BF16UNetParityTests: XCTestCase {
    private static let tolerance = 2e-2

    /// `network` at bf16 with the 3x3 layers on each algorithm (Winograd only where the processor runs it).
    private func eachAlgorithm(_ name: String, file: StaticString, line: UInt, _ network: () throws -> Tensor) throws -> [Tensor] {
        let algorithms: [ConvolutionAlgorithm] = WinogradConvolutionWeight.kernelRuns ? [.direct, .winograd, .winogradStreamed, .unfolded] : [.direct]
        let outputs = try algorithms.map { algorithm in try ConvolutionChoice.$taskSetting.withValue(.forced(algorithm)) { try network() } }
        for (output, algorithm) in zip(outputs, algorithms).dropFirst() {
            // The algorithm reached the bf16 layers: its path rounds differently from the BF16 kernel's.
            XCTAssertGreaterThan(relativeL2(output, outputs[0]), 0, "\(name): bf16 \(algorithm) gave the BF16 kernel's numbers", file: file, line: line)
        }
        return outputs
    }

    private func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let io = try Fixture.safetensors("networks.safetensors")
        let (sample, context) = (try io.tensor(named: "\(name).sample"), try io.tensor(named: "\(name).context"))
        let timesteps = try io.tensor(named: "\(name).timesteps").scalars
        let f32 = try UNet2DConditionModel(directory: Fixture.url(name))(sample, timesteps: timesteps, context: context)
        let outputs = try eachAlgorithm(name, file: file, line: line) {
            try UNet2DConditionModel(directory: Fixture.url(name), precision: .bf16)(sample, timesteps: timesteps, context: context)
        }
        for (bf16, algorithm) in zip(outputs, ["direct", "winograd", "winograd-streamed", "unfolded"]) {
            XCTAssertEqual(bf16.shape, f32.shape, file: file, line: line)
            let error = relativeL2(bf16, f32)
            print("\(name) at bf16, 3x3 layers \(algorithm): relative L2 against f32 \(error)")
            XCTAssertLessThan(error, Self.tolerance, "\(name), \(algorithm): relative L2 of bf16 against f32", file: file, line: line)
            // BF16 reached the layers: the output moved by about BF16's rounding, not by nothing.
            XCTAssertGreaterThan(error, 1e-4, "\(name), \(algorithm): bf16 gave f32's numbers", file: file, line: line)
            XCTAssertLessThan(relativeL2(bf16, try io.tensor(named: "\(name).out")), Self.tolerance, "\(name), \(algorithm): against diffusers", file: file, line: line)
        }
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
        let f32 = try run(.f32)
        let outputs = try eachAlgorithm("talking denoiser", file: #filePath, line: #line) { try run(.bf16) }
        for (bf16, algorithm) in zip(outputs, ["direct", "winograd", "winograd-streamed", "unfolded"]) {
            let error = relativeL2(bf16, f32)
            print("talking denoiser at bf16, 3x3 layers \(algorithm): relative L2 against f32 \(error)")
            XCTAssertLessThan(error, Self.tolerance, "talking denoiser, \(algorithm): relative L2 of bf16 against f32")
            XCTAssertGreaterThan(error, 1e-4, "talking denoiser, \(algorithm): bf16 gave f32's numbers")
            XCTAssertLessThan(relativeL2(bf16, try io.tensor(named: "out")), Self.tolerance, "talking denoiser, \(algorithm): against Hallo")
        }
    }

    /// Conv projections, cross-attention down first.
    func testUNetWithConvolutionProjectionsAtBF16() throws { try check("unet-a") }

    /// Linear projections and per-block heads.
    func testUNetWithLinearProjectionsAtBF16() throws { try check("unet-b") }
}
