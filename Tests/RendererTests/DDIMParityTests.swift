import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// diffusers 0.42.1 `DDIMScheduler` on 14 configurations (every spacing with every prediction type, zero-SNR
/// rescaling, cosine betas with clipping, eta with given noise, dynamic thresholding, one-step runs): timesteps
/// exactly, alphas_cumprod and step outputs within 1e-4 relative (ddim.json, ddim.safetensors).
final class DDIMParityTests: XCTestCase {
    private struct Case {
        let name: String
        let configuration: DDIMConfiguration
        let steps: Int
        let eta: Float
        let timesteps: [Int]
        let checkedSteps: [Int]
        let addNoiseTimestep: Int
        let finalAlphaCumprod: Float
    }

    private func cases() throws -> [Case] {
        let root = try Fixture.json("ddim.json")
        return try (root["cases"] as! [[String: Any]]).map { raw in
            let configData = try JSONSerialization.data(withJSONObject: raw["config"]!)
            return Case(name: raw["name"] as! String,
                        configuration: try JSONDecoder().decode(DDIMConfiguration.self, from: configData),
                        steps: raw["steps"] as! Int, eta: Float(raw["eta"] as! Double),
                        timesteps: raw["timesteps"] as! [Int], checkedSteps: raw["checked_steps"] as! [Int],
                        addNoiseTimestep: raw["add_noise_timestep"] as! Int,
                        finalAlphaCumprod: Float(raw["final_alpha_cumprod"] as! Double))
        }
    }

    func testCoversEverySpacingAndPredictionType() throws {
        let all = try cases()
        XCTAssertGreaterThanOrEqual(all.count, 14)
        for spacing in DDIMConfiguration.TimestepSpacing.allCases {
            for prediction in DDIMConfiguration.PredictionType.allCases {
                XCTAssertTrue(all.contains { $0.configuration.timestepSpacing == spacing && $0.configuration.predictionType == prediction },
                              "\(spacing) x \(prediction)")
            }
        }
    }

    func testTimestepsAndAlphasMatch() throws {
        let expected = try Fixture.safetensors("ddim.safetensors")
        for (index, test) in try cases().enumerated() {
            var scheduler = try DDIMScheduler(configuration: test.configuration)
            try scheduler.setTimesteps(test.steps)
            XCTAssertEqual(scheduler.timesteps, test.timesteps, test.name)
            let alphas = try expected.tensor(named: "case\(index).alphas_cumprod")
            // Zero-SNR schedules end at alpha 0: judge them against the schedule's scale, not element by element.
            assertClose(Tensor(shape: [alphas.count], scalars: scheduler.alphasCumprod), alphas, "\(test.name) alphas_cumprod")
            XCTAssertEqual(scheduler.finalAlphaCumprod, test.finalAlphaCumprod, accuracy: test.finalAlphaCumprod * 1e-5, test.name)
        }
    }

    func testStepOutputsMatch() throws {
        let expected = try Fixture.safetensors("ddim.safetensors")
        for (index, test) in try cases().enumerated() {
            var scheduler = try DDIMScheduler(configuration: test.configuration)
            try scheduler.setTimesteps(test.steps)
            for step in test.checkedSteps {
                let prefix = "case\(index).step\(step)"
                let output = try scheduler.step(modelOutput: expected.tensor(named: "\(prefix).model_output"),
                                                timestep: test.timesteps[step],
                                                sample: expected.tensor(named: "\(prefix).sample"), eta: test.eta,
                                                varianceNoise: test.eta > 0 ? expected.tensor(named: "\(prefix).noise") : nil)
                assertClose(output.previousSample, try expected.tensor(named: "\(prefix).prev_sample"), "\(test.name) step \(step) prev_sample")
                assertClose(output.predictedOriginalSample, try expected.tensor(named: "\(prefix).pred_original_sample"),
                            "\(test.name) step \(step) pred_original_sample")
            }
            let noised = try scheduler.addNoise(original: expected.tensor(named: "case\(index).add_noise.original"),
                                                noise: expected.tensor(named: "case\(index).add_noise.noise"),
                                                timestep: test.addNoiseTimestep)
            assertClose(noised, try expected.tensor(named: "case\(index).add_noise.out"), "\(test.name) add_noise")
        }
    }

    func testSD15DefaultsAndConfigurationFile() throws {
        var scheduler = try DDIMScheduler(configuration: .stableDiffusion15)
        try scheduler.setTimesteps(50)
        XCTAssertEqual(scheduler.timesteps.first, 981)
        XCTAssertEqual(scheduler.timesteps.last, 1)
        let fromFile = try DDIMConfiguration.load(from: Fixture.url("tiny-pipeline/scheduler/scheduler_config.json"))
        XCTAssertEqual(fromFile, .stableDiffusion15)
    }

    func testInvalidInputsAreErrors() throws {
        var scheduler = try DDIMScheduler(configuration: .stableDiffusion15)
        XCTAssertThrowsError(try scheduler.setTimesteps(0))
        XCTAssertThrowsError(try scheduler.setTimesteps(1001))
        let sample = Tensor(zeros: [1, 4, 2, 2])
        XCTAssertThrowsError(try scheduler.step(modelOutput: sample, timestep: 981, sample: sample), "step before setTimesteps")
        try scheduler.setTimesteps(10)
        XCTAssertThrowsError(try scheduler.step(modelOutput: sample, timestep: 5000, sample: sample))
        XCTAssertThrowsError(try scheduler.step(modelOutput: sample, timestep: 901, sample: sample, eta: 0.5), "eta without noise")
        let bad = Data(#"{"beta_schedule": "sigmoid"}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(DDIMConfiguration.self, from: bad))
    }
}
