import Foundation
@_spi(Development) @testable import Renderer
import XCTest
import TensorTesting

/// Three DDIM steps of one talking-head window against Hallo's pipeline loop on the tiny masked checkpoint
/// (scripts/make-talking-fixtures.py): ReferenceNet at t = 0 on the portrait and motion latents, a batch of two
/// [unconditional without reference and with zero audio, conditional], one guidance scale, v-prediction DDIM.
final class TalkingWindowParityTests: XCTestCase {
    func testThreeStepsOfAWindowMatchHallo() throws {
        let model = try TalkingHeadModel(directory: Fixture.url("talking/talking-tiny-masked"))
        let expected = try Fixture.safetensors("talking/window-expected.safetensors")
        let coarse = try expected.tensor(named: "coarse"), fine = try expected.tensor(named: "fine")
        let blend = try expected.tensor(named: "blend")
        XCTAssertEqual(blend.shape, [3, 2])
        // The fixture's text condition per step, as three stages of a `hard` schedule whose boundaries fall on
        // steps 1 and 2: step i is guided by stage i alone, so the sampler's own loop runs unchanged.
        let texts = (0..<3).map { coarse.scaledSum(blend.scalars[2 * $0], fine, blend.scalars[2 * $0 + 1]) }
        let bank = try model.referenceNet.bank(latents: try expected.tensor(named: "reference_latents"), text: texts[0])
        var parameters = ProgressiveSampler.Parameters()
        parameters.steps = 3
        parameters.splits = [1.0 / 3, 2.0 / 3]
        parameters.mode = .hard
        parameters.guidanceScale = 3.5
        let sampler = ProgressiveSampler(
            denoiser: WindowDenoiser(unet: model.unet, audio: try expected.tensor(named: "audio_tokens"), reference: bank, masks: nil),
            scheduler: model.scheduler)
        // diffusers' trailing spacing for 3 of 1000 steps: round(arange(1000, 0, -333.3)) - 1.
        XCTAssertEqual(try sampler.timesteps(parameters), [999, 666, 332])
        XCTAssertEqual(expected.metadata["timesteps"]?.filter { !$0.isWhitespace }, "[999,666,332]")
        let latents = try sampler.sample(noise: try expected.tensor(named: "noise"), stageConditions: texts,
                                         unconditional: try expected.tensor(named: "uncond"), parameters: parameters)
        assertClose(latents, try expected.tensor(named: "latents"), relative: 1e-3, "latents after three steps")
    }
}
