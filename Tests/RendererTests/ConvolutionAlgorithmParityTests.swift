import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// The networks with every Float32 3x3 convolution on Winograd's F(4x4, 3x3) (its weight transformed once, and
/// streamed: transformed in each call), and on the unfolded product, against the same networks on the direct kernel
/// (`TBD_CONVOLUTION=winograd`, `winograd-streamed` and `unfolded` against `direct`), on the
/// random-weight fixtures. Tolerance: relative L2 of the output (|other - direct| / |direct|) below 1e-4, and
/// within 1e-4 of diffusers' and Hallo's outputs as the direct path is. Measured for Winograd: UNet 3.5e-6, VAE
/// decoder 3.0e-6, talking denoiser 5.7e-6 (BENCHMARKS.md); the unfolded product gives the direct kernel's numbers.
final class ConvolutionAlgorithmParityTests: XCTestCase {
    private static let tolerance = 1e-4

    /// Runs `network` once per algorithm and compares; `reference` is the fixture's output from PyTorch.
    private func check(_ name: String, reference: Tensor, file: StaticString = #filePath, line: UInt = #line,
                       _ network: () throws -> Tensor) throws {
        try XCTSkipUnless(WinogradConvolutionWeight.kernelRuns, "this processor lacks the AVX-512 Winograd convolution")
        let direct = try ConvolutionChoice.$taskSetting.withValue(.forced(.direct)) { try network() }
        for algorithm in [ConvolutionAlgorithm.winograd, .winogradStreamed, .unfolded] {
            let other = try ConvolutionChoice.$taskSetting.withValue(.forced(algorithm)) { try network() }
            XCTAssertEqual(other.shape, direct.shape, file: file, line: line)
            let error = relativeL2(other, direct)
            print("\(name): relative L2 of \(algorithm) against the direct kernel \(error)")
            XCTAssertLessThan(error, Self.tolerance, "\(name): \(algorithm) against direct", file: file, line: line)
            if algorithm != .unfolded {
                // Winograd reached the layers: its rounding moved the output. (The unfolded product adds the same
                // terms in the same order as the direct kernel, from the bias up, so it may match it bit for bit;
                // WinogradConvolutionTests checks that forcing it runs the product.)
                XCTAssertGreaterThan(error, 0, "\(name): Winograd gave the direct kernel's numbers", file: file, line: line)
            }
            assertClose(other, reference, relative: 1e-4, "\(name): \(algorithm) against PyTorch", file: file, line: line)
        }
    }

    func testUNet() throws {
        let io = try Fixture.safetensors("networks.safetensors")
        let (sample, context) = (try io.tensor(named: "unet-a.sample"), try io.tensor(named: "unet-a.context"))
        let timesteps = try io.tensor(named: "unet-a.timesteps").scalars
        try check("unet-a", reference: try io.tensor(named: "unet-a.out")) {
            try UNet2DConditionModel(directory: Fixture.url("unet-a"))(sample, timesteps: timesteps, context: context)
        }
    }

    func testVAEDecoder() throws {
        let io = try Fixture.safetensors("networks.safetensors")
        try check("vae decoder", reference: try io.tensor(named: "vae.decoded")) {
            try AutoencoderKL(directory: Fixture.url("vae")).decodeRaw(io.tensor(named: "vae.latents"))
        }
    }

    /// ReferenceNet and the video UNet, as TalkingParityTests' masked denoiser.
    func testTalkingDenoiser() throws {
        let io = try Fixture.safetensors("talking/denoiser-masked-expected.safetensors")
        let text = try io.tensor(named: "encoder_hidden_states")
        let masks = AudioMasks(full: try io.tensor(named: "full_mask"), face: try io.tensor(named: "face_mask"), lip: try io.tensor(named: "lip_mask"))
        try check("talking denoiser", reference: try io.tensor(named: "out")) {
            let checkpoint = try TalkingHeadCheckpoint(directory: Fixture.url("talking/talking-tiny-masked"))
            let bank = try checkpoint.referenceNet().bank(latents: io.tensor(named: "reference_latents"), text: text)
            return try checkpoint.videoUNet()(io.tensor(named: "sample"), timestep: io.tensor(named: "timesteps").scalars[0], text: text,
                                              audio: io.tensor(named: "audio_tokens"), reference: bank, referenceRows: [true], masks: masks)
        }
    }
}
