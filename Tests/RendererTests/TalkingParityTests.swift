import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// The talking-head networks against Hallo's own modules (fixtures from scripts/make-talking-fixtures.py, see
/// Fixtures/talking/README.md). Tolerance: 1e-4 relative for the modules and the forward (the 3-step window: TalkingWindowParityTests).
final class TalkingParityTests: XCTestCase {
    private func folder(_ name: String) -> URL { Fixture.url("talking/\(name)") }

    private func expected(_ name: String) throws -> SafeTensorsFile { try Fixture.safetensors("talking/\(name)-expected.safetensors") }

    private func denoiserWeights(_ checkpoint: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: folder("\(checkpoint)/denoising_unet/diffusion_pytorch_model.safetensors"))
    }

    func testMotionModuleWithTwoMotionFramesBeforeFourFrames() throws {
        let io = try expected("motion-module")
        let prefix = try XCTUnwrap(io.metadata["prefix"])
        let configuration = try VideoUNetConfiguration.load(from: folder("talking-tiny-masked/denoising_unet/config.json"))
        let input = try io.tensor(named: "input")
        let (channels, frames, height, width) = (input.shape[1], input.shape[2], input.shape[3], input.shape[4])
        XCTAssertEqual(frames, 6)
        let module = try MotionModule(WeightReader(source: denoiserWeights("talking-tiny-masked"), prefix: prefix + "."),
                                      channels: channels, settings: configuration.motionModule)
        let folded = input.swappingMiddleAxes(outer: 1, first: channels, second: frames, inner: height * width)
            .reshaped([frames, channels, height, width])
        let output = try module(folded, frames: frames)
            .swappingMiddleAxes(outer: 1, first: frames, second: channels, inner: height * width)
            .reshaped(input.shape)
        assertClose(output, try io.tensor(named: "output"), relative: 1e-4, "motion module")
    }

    private func checkAudioModule(_ form: String, checkpoint: String, masked: Bool) throws {
        let io = try expected("audio-module-\(form)")
        let blockPrefix = try XCTUnwrap(io.metadata["prefix"])
        let depth = try XCTUnwrap(io.metadata["depth"].flatMap(Int.init))
        let modulePrefix = String(blockPrefix.dropLast(".transformer_blocks.0".count))
        let configuration = try VideoUNetConfiguration.load(from: folder("\(checkpoint)/denoising_unet/config.json"))
        XCTAssertEqual(configuration.masksAudio(block: "down", depth: depth), masked)
        let input = try io.tensor(named: "input"), audio = try io.tensor(named: "audio")
        let (frames, width) = (input.shape[0], input.shape[2])
        let channels = configuration.unet.blockOutChannels[depth]
        let heads = configuration.unet.attentionHeads[depth]
        let module = try AudioModule(WeightReader(source: denoiserWeights(checkpoint), prefix: modulePrefix + "."), channels: channels,
                                     innerWidth: width, heads: heads, audioWidth: configuration.audioAttentionDim,
                                     groups: configuration.unet.normNumGroups, linearProjection: false, masked: masked, level: depth)
        XCTAssertEqual(module.isMasked, masked)
        let masks = masked
            ? AudioMasks(full: try io.tensor(named: "full_mask"), face: try io.tensor(named: "face_mask"), lip: try io.tensor(named: "lip_mask"))
            : AudioMasks.ones(height: 8, width: 8)
        let output = module.transformerBlock(input, audio: audio.reshaped([frames, audio.shape[2], audio.shape[3]]),
                                             masks: masks.pooled(level: depth))
        assertClose(output, try io.tensor(named: "output"), relative: 1e-4, "audio module \(form)")
    }

    func testMaskedAudioModule() throws { try checkAudioModule("masked", checkpoint: "talking-tiny-masked", masked: true) }

    func testSingleAudioModule() throws { try checkAudioModule("single", checkpoint: "talking-tiny-single", masked: false) }

    func testReferenceNetBanksInHallosPairingOrder() throws {
        let io = try expected("reference-bank")
        let net = try ReferenceNet(directory: folder("talking-tiny-masked/reference_unet"))
        let bank = try net.bank(latents: io.tensor(named: "reference_latents"), text: io.tensor(named: "encoder_hidden_states"))
        XCTAssertEqual(bank.count, Int(try XCTUnwrap(io.metadata["count"])))
        XCTAssertEqual(bank.motionFrameCount, 2)
        for (index, entry) in bank.entries.enumerated() {
            assertClose(entry, try io.tensor(named: "bank.\(index)"), relative: 1e-4, "bank.\(index)")
        }
    }

    private func checkDenoiser(_ form: String) throws {
        let io = try expected("denoiser-\(form)")
        let checkpoint = try TalkingHeadCheckpoint(directory: folder("talking-tiny-\(form)"))
        let text = try io.tensor(named: "encoder_hidden_states")
        let bank = try checkpoint.referenceNet().bank(latents: io.tensor(named: "reference_latents"), text: text)
        let masks = form == "masked"
            ? AudioMasks(full: try io.tensor(named: "full_mask"), face: try io.tensor(named: "face_mask"), lip: try io.tensor(named: "lip_mask"))
            : nil
        let unet = try checkpoint.videoUNet()
        XCTAssertTrue(unet.configuration.hasMotionModules && unet.configuration.hasAudioModules)
        let output = try unet(io.tensor(named: "sample"), timestep: io.tensor(named: "timesteps").scalars[0], text: text,
                              audio: io.tensor(named: "audio_tokens"), reference: bank, referenceRows: [true], masks: masks)
        assertClose(output, try io.tensor(named: "out"), relative: 1e-4, "denoiser \(form)")
    }

    func testDenoiserWithMaskedAudioAttention() throws { try checkDenoiser("masked") }

    func testDenoiserWithSingleAudioAttention() throws { try checkDenoiser("single") }

    func testMasksPoolPerLevelAsTorchAveragePooling() {
        let mask = Tensor(shape: [4, 4], scalars: (0..<16).map(Float.init))
        let levels = AudioMasks(full: mask, face: mask, lip: mask).pooled(level: 1)
        XCTAssertEqual(levels[0].scalars, [2.5, 4.5, 10.5, 12.5])
        XCTAssertEqual(AudioMasks.averagePool(mask, size: 4).scalars, [7.5])
    }

    func testDenoiserRefusesMismatchedInputs() throws {
        let checkpoint = try TalkingHeadCheckpoint(directory: folder("talking-tiny-single"))
        let unet = try checkpoint.videoUNet()
        let text = Tensor(zeros: [1, 77, 8])
        XCTAssertThrowsError(try unet(Tensor(zeros: [1, 4, 2, 7, 7]), timestep: 1, text: text, audio: nil, reference: nil,
                                      referenceRows: [false], masks: nil)) { XCTAssertTrue("\($0)".contains("multiple of 8"), "\($0)") }
        XCTAssertThrowsError(try unet(Tensor(zeros: [1, 4, 2, 8, 8]), timestep: 1, text: Tensor(zeros: [1, 77, 9]), audio: nil,
                                      reference: nil, referenceRows: [false], masks: nil))
        XCTAssertThrowsError(try unet(Tensor(zeros: [1, 4, 2, 8, 8]), timestep: 1, text: text, audio: Tensor(zeros: [1, 3, 4, 32]),
                                      reference: nil, referenceRows: [false], masks: nil)) { XCTAssertTrue("\($0)".contains("audio tokens"), "\($0)") }
        XCTAssertThrowsError(try unet(Tensor(zeros: [1, 4, 2, 8, 8]), timestep: 1, text: text, audio: nil,
                                      reference: ReferenceBank(entries: [Tensor(zeros: [3, 64, 32])]), referenceRows: [true], masks: nil)) {
            XCTAssertTrue("\($0)".contains("reference bank has 1 entries"), "\($0)")
        }
        // Without a bank or audio the denoiser still runs (plain self-attention, zero audio tokens, no motion frames).
        let output = try unet(Tensor(zeros: [1, 4, 2, 8, 8]), timestep: 1, text: text, audio: nil, reference: nil,
                              referenceRows: [false], masks: nil)
        XCTAssertEqual(output.shape, [1, 4, 2, 8, 8])
        XCTAssertTrue(output.scalars.allSatisfy(\.isFinite))
    }
}
