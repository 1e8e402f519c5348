import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// UNet2DConditionModel and AutoencoderKL against diffusers 0.42.1 (fixtures from scripts/make-network-fixtures.py).
/// Tolerance: 1e-4 relative (see `assertClose`).
final class NetworkParityTests: XCTestCase {
    private func checkUNet(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let io = try Fixture.safetensors("networks.safetensors")
        let unet = try UNet2DConditionModel(directory: Fixture.url(name))
        let output = try unet(io.tensor(named: "\(name).sample"), timesteps: io.tensor(named: "\(name).timesteps").scalars,
                              context: io.tensor(named: "\(name).context"))
        assertClose(output, try io.tensor(named: "\(name).out"), relative: 1e-4, name, file: file, line: line)
    }

    /// Cross-attention down first, F32 weights, conv projections, two heads, context width 24, batch 2.
    func testUNetWithConvolutionProjections() throws { try checkUNet("unet-a") }

    /// Three levels, head counts 1/2/4, linear projections, sin-first embedding with shift 1, F16 weights.
    func testUNetWithLinearProjectionsAndPerBlockHeads() throws { try checkUNet("unet-b") }

    /// Cross-attention on the deep level only, two transformer layers, no middle block, 3 -> 5 channels, BF16.
    func testUNetWithoutMiddleBlock() throws { try checkUNet("unet-c") }

    func testVAEEncoderMean() throws {
        let io = try Fixture.safetensors("networks.safetensors")
        let vae = try AutoencoderKL(directory: Fixture.url("vae"))
        assertClose(try vae.latentMean(io.tensor(named: "vae.images")), try io.tensor(named: "vae.latent_mean"), relative: 1e-4, "encoder")
    }

    func testVAEDecoder() throws {
        let io = try Fixture.safetensors("networks.safetensors")
        let vae = try AutoencoderKL(directory: Fixture.url("vae"))
        assertClose(try vae.decodeRaw(io.tensor(named: "vae.latents")), try io.tensor(named: "vae.decoded"), relative: 1e-4, "decoder")
    }

    func testUNetRefusesMismatchedInputs() throws {
        let unet = try UNet2DConditionModel(directory: Fixture.url("unet-a"))
        XCTAssertThrowsError(try unet(Tensor(zeros: [1, 4, 7, 7]), timesteps: [1], context: Tensor(zeros: [1, 5, 24])))
        XCTAssertThrowsError(try unet(Tensor(zeros: [1, 4, 8, 8]), timesteps: [1], context: Tensor(zeros: [1, 5, 16])))
        XCTAssertThrowsError(try unet(Tensor(zeros: [2, 4, 8, 8]), timesteps: [1, 2, 3], context: Tensor(zeros: [2, 5, 24])))
    }

    func testConfigurationRefusesUnsupportedSettings() throws {
        let json = #"{"block_out_channels": [8, 16], "down_block_types": ["DownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D", "UpBlock2D"], "class_embed_type": "timestep"}"#
        let configuration = try JSONDecoder().decode(UNetConfiguration.self, from: Data(json.utf8))
        XCTAssertThrowsError(try configuration.validate()) { error in
            XCTAssertTrue("\(error)".contains("class_embed_type"), "\(error)")
        }
    }

    func testWeightsThatDoNotMatchTheConfigAreAnError() throws {
        var configuration = try UNetConfiguration.load(from: Fixture.url("unet-a/config.json"))
        configuration.blockOutChannels = [16, 48]
        let weights = try SafeTensorsFile(contentsOf: Fixture.url("unet-a/diffusion_pytorch_model.safetensors"))
        XCTAssertThrowsError(try UNet2DConditionModel(configuration: configuration, weights: weights))
    }
}

/// The whole sampling loop against a diffusers reference loop: 4 DDIM steps, CFG 3.5, coarse-to-fine `paper`
/// schedule split at 0.4, from noise and from a VAE-encoded reference at strength 0.75, then VAE decoding.
/// Tolerance: 1e-3 relative end to end (final latents and decoded image).
final class ProgressiveSamplerParityTests: XCTestCase {
    private func run(_ name: String, strength: Float) throws {
        let io = try Fixture.safetensors("sampling.safetensors")
        let expected = try Fixture.json("sampling.json")
        let runs = expected["runs"] as! [String: Any]
        let reference = runs[name] as! [String: Any]
        let unet = try UNet2DConditionModel(directory: Fixture.url("unet-a"))
        let vae = try AutoencoderKL(directory: Fixture.url("vae"))
        let scheduler = try DDIMScheduler(configuration: DDIMConfiguration.load(from: Fixture.url("sampling-scheduler/scheduler_config.json")))
        let sampler = ProgressiveSampler(unet: unet, scheduler: scheduler)
        var parameters = ProgressiveSampler.Parameters()
        parameters.steps = 4
        parameters.guidanceScale = 3.5
        parameters.strength = strength
        XCTAssertEqual(try sampler.timesteps(parameters), reference["timesteps"] as! [Int])
        let referenceLatents = strength < 1 ? try vae.encode(io.tensor(named: "reference")) : nil
        var steps = 0
        let latents = try sampler.sample(noise: io.tensor(named: "noise"),
                                         stageConditions: [io.tensor(named: "coarse"), io.tensor(named: "fine")],
                                         unconditional: io.tensor(named: "uncond"), reference: referenceLatents,
                                         parameters: parameters) { done, total in
            steps = done
            XCTAssertEqual(total, (reference["timesteps"] as! [Int]).count)
        }
        XCTAssertEqual(steps, (reference["timesteps"] as! [Int]).count)
        let last = steps - 1
        assertClose(latents, try io.tensor(named: "\(name).latents\(last)"), relative: 1e-3, "\(name) final latents")
        assertClose(try vae.decode(latents), try io.tensor(named: "\(name).image"), relative: 1e-3, "\(name) image")
    }

    func testTextToImageRun() throws { try run("text", strength: 1) }

    func testReferenceConditionedRun() throws { try run("reference", strength: 0.75) }

    func testScheduleWeightsMatchTheReferenceLoop() throws {
        let runs = try Fixture.json("sampling.json")["runs"] as! [String: Any]
        for (name, value) in runs {
            let weights = (value as! [String: Any])["weights"] as! [[Double]]
            let schedule = try ProgressiveGuidanceSchedule(stepCount: weights.count, splits: [0.4], mode: .paper)
            for (step, expected) in weights.enumerated() {
                XCTAssertEqual(schedule.weights(atStep: step), expected, "\(name) step \(step)")
            }
        }
    }
}
