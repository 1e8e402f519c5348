import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// diffusers 0.42.1 `DPMSolverMultistepScheduler.from_config(config, algorithm_type="dpmsolver++", solver_order=2)`
/// on 8 checkpoint-style configurations (dpm.json, dpm.safetensors): SD1.5 epsilon with leading spacing, with and
/// without Karras sigmas; Hallo's v-prediction + zero-SNR + trailing, with and without Karras; the defaults
/// (linspace) with sample prediction and the Heun variant; cosine betas with lambda_min_clipped and a sigma_min
/// final step without lower_order_final; thresholding with euler_at_final; one step. Timesteps exactly; sigmas,
/// alphas_cumprod, every step of a whole run and add_noise within 1e-4 relative.
final class DPMSolverParityTests: XCTestCase {
    private struct Case {
        let name: String
        let configuration: DPMSolverConfiguration
        let steps: Int
        let timesteps: [Int]
        let addNoiseStep: Int
    }

    private func cases() throws -> [Case] {
        try (Fixture.json("dpm.json")["cases"] as! [[String: Any]]).map { raw in
            let config = try JSONSerialization.data(withJSONObject: raw["config"]!)
            return Case(name: raw["name"] as! String, configuration: try DPMSolverConfiguration.fromCheckpoint(config),
                        steps: raw["steps"] as! Int, timesteps: raw["timesteps"] as! [Int],
                        addNoiseStep: raw["add_noise_step"] as! Int)
        }
    }

    func testCoversTheConfigurationsTheRendererMeets() throws {
        let all = try cases()
        XCTAssertEqual(all.count, 8)
        XCTAssertTrue(all.contains { $0.configuration.predictionType == .epsilon && $0.configuration.timestepSpacing == .leading })
        XCTAssertTrue(all.contains { $0.configuration.predictionType == .vPrediction && $0.configuration.rescaleBetasZeroSnr
                && $0.configuration.timestepSpacing == .trailing && !$0.configuration.useKarrasSigmas })
        XCTAssertTrue(all.contains { $0.configuration.useKarrasSigmas && $0.configuration.rescaleBetasZeroSnr })
        XCTAssertTrue(all.contains { $0.configuration.solverType == .heun && $0.configuration.timestepSpacing == .linspace })
        XCTAssertTrue(all.contains { $0.configuration.finalSigmasType == .sigmaMin && !$0.configuration.lowerOrderFinal })
        // from_config's overrides and the keys a DDIM file carries that DPM-Solver++ ignores.
        XCTAssertTrue(all.allSatisfy { $0.configuration.solverOrder == 2 })
    }

    func testTimestepsSigmasAndAlphasMatch() throws {
        let expected = try Fixture.safetensors("dpm.safetensors")
        for (index, test) in try cases().enumerated() {
            var scheduler = try DPMSolverMultistepScheduler(configuration: test.configuration)
            try scheduler.setTimesteps(test.steps)
            XCTAssertEqual(scheduler.timesteps, test.timesteps, test.name)
            XCTAssertEqual(scheduler.initialNoiseSigma, 1)
            assertClose(Tensor(shape: [scheduler.alphasCumprod.count], scalars: scheduler.alphasCumprod),
                        try expected.tensor(named: "case\(index).alphas_cumprod"), "\(test.name) alphas_cumprod")
            // Zero-SNR sigmas span 0 to 4096: compare each against its own size, not the tensor's mean.
            let sigmas = try expected.tensor(named: "case\(index).sigmas")
            XCTAssertEqual(scheduler.sigmas.count, sigmas.count, test.name)
            for (ours, theirs) in zip(scheduler.sigmas, sigmas.scalars) {
                XCTAssertEqual(ours, theirs, accuracy: abs(theirs) * 1e-5, test.name)
            }
        }
    }

    /// Every step of a whole run, fed the model outputs the reference was fed: the multistep history, the choice
    /// of first or second order, and the final step all have to agree for later steps to match.
    func testEveryStepOfARunMatches() throws {
        let expected = try Fixture.safetensors("dpm.safetensors")
        for (index, test) in try cases().enumerated() {
            var scheduler = try DPMSolverMultistepScheduler(configuration: test.configuration)
            try scheduler.setTimesteps(test.steps)
            var sample = try expected.tensor(named: "case\(index).sample")
            for step in 0..<test.timesteps.count {
                let output = try expected.tensor(named: "case\(index).step\(step).model_output")
                sample = try scheduler.step(modelOutput: output, stepIndex: step, sample: sample)
                assertClose(sample, try expected.tensor(named: "case\(index).step\(step).prev_sample"), "\(test.name) step \(step)")
            }
        }
    }

    func testAddNoiseMatches() throws {
        let expected = try Fixture.safetensors("dpm.safetensors")
        for (index, test) in try cases().enumerated() {
            var scheduler = try DPMSolverMultistepScheduler(configuration: test.configuration)
            try scheduler.setTimesteps(test.steps)
            let noised = try scheduler.addNoise(original: expected.tensor(named: "case\(index).add_noise.original"),
                                                noise: expected.tensor(named: "case\(index).add_noise.noise"), stepIndex: test.addNoiseStep)
            assertClose(noised, try expected.tensor(named: "case\(index).add_noise.out"), "\(test.name) add_noise")
        }
    }

    func testStepsMustRunInOrderAndInRange() throws {
        var scheduler = try DPMSolverMultistepScheduler(configuration: DPMSolverConfiguration.fromCheckpoint(
            Data(contentsOf: Fixture.url("tiny-pipeline/scheduler/scheduler_config.json"))))
        let sample = Tensor(repeating: 0.5, shape: [1, 4, 2, 2])
        XCTAssertThrowsError(try scheduler.step(modelOutput: sample, stepIndex: 0, sample: sample), "setTimesteps first")
        try scheduler.setTimesteps(5)
        // A later begin index (image-to-image) is allowed; after it, steps must follow one another.
        _ = try scheduler.step(modelOutput: sample, stepIndex: 2, sample: sample)
        XCTAssertThrowsError(try scheduler.step(modelOutput: sample, stepIndex: 4, sample: sample)) { error in
            XCTAssertEqual(error as? SchedulerError, .stepOutOfOrder(4, expected: 3))
        }
        XCTAssertThrowsError(try scheduler.step(modelOutput: sample, stepIndex: 5, sample: sample))
        XCTAssertThrowsError(try scheduler.setTimesteps(0))
        XCTAssertThrowsError(try scheduler.setTimesteps(1001))
        try scheduler.setTimesteps(5)
        XCTAssertNoThrow(try scheduler.step(modelOutput: sample, stepIndex: 0, sample: sample), "setTimesteps starts a new run")
    }

    func testCheckpointFilesAreReadAsFromConfigDoes() throws {
        let sd15 = try DPMSolverConfiguration.load(from: Fixture.url("tiny-pipeline/scheduler/scheduler_config.json"))
        XCTAssertEqual(sd15.betaSchedule, .scaledLinear)
        XCTAssertEqual(sd15.timestepSpacing, .leading, "the DDIM file's spacing is kept")
        XCTAssertEqual(sd15.stepsOffset, 1)
        XCTAssertEqual(sd15.solverType, .midpoint)
        XCTAssertTrue(sd15.lowerOrderFinal)
        XCTAssertEqual(sd15.finalSigmasType, .zero)
        let overridden = try DPMSolverConfiguration.fromCheckpoint(Data(#"{"solver_order": 3, "algorithm_type": "sde-dpmsolver++"}"#.utf8))
        XCTAssertEqual(overridden.solverOrder, 2, "from_config(..., solver_order=2) overrides the file")
        let pythonInfinity = try DPMSolverConfiguration.fromCheckpoint(Data(#"{"lambda_min_clipped": -Infinity, "solver_type": "bh2"}"#.utf8))
        XCTAssertEqual(pythonInfinity.lambdaMinClipped, -.infinity)
        XCTAssertEqual(pythonInfinity.solverType, .midpoint, "UniPC's solver names map to midpoint, as in diffusers")
    }

    func testUnsupportedOrOutOfRangeSettingsAreRefusedByName() {
        let refused: [(String, String)] = [
            (#"{"use_exponential_sigmas": true}"#, "use_exponential_sigmas"),
            (#"{"use_lu_lambdas": true}"#, "use_lu_lambdas"),
            (#"{"variance_type": "learned_range"}"#, "variance_type"),
            (#"{"prediction_type": "flow_prediction"}"#, "prediction_type"),
            (#"{"final_sigmas_type": "denoise_to_zero"}"#, "final_sigmas_type"),
            (#"{"timestep_spacing": "karras"}"#, "timestep_spacing"),
            (#"{"num_train_timesteps": 1}"#, "num_train_timesteps"),
            (#"{"beta_start": 0.5, "beta_end": 0.1}"#, "beta_start"),
            (#"{"steps_offset": -1}"#, "steps_offset"),
            (#"{"lower_order_final": "yes"}"#, "lower_order_final"),
            (#"[1, 2]"#, "JSON object"),
        ]
        for (json, name) in refused {
            XCTAssertThrowsError(try DPMSolverConfiguration.fromCheckpoint(Data(json.utf8)), json) { error in
                XCTAssertTrue("\(error)".contains(name), "\(json): \(error)")
            }
        }
        XCTAssertThrowsError(try DPMSolverConfiguration(keys: ["solver_order": 3])) { error in
            XCTAssertTrue("\(error)".contains("solver_order"), "\(error)")
        }
    }
}
