import Foundation
import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

/// The whole `tbd render sample` loop against reference loops written with diffusers (render-sample.json,
/// render-sample.safetensors): the tiny pipeline's tokenizer, text encoder and UNet, classifier-free guidance,
/// embeddings blended per step by Algorithms 1-2, and DDIM (2 stages), DPM-Solver++ 2M (3 stages, alpha bounds
/// 0.9/0.3, a negative prompt) or DPM-Solver++ 2M on Karras sigmas. Timesteps and weights exactly (weights to
/// floating rounding); final latents within 1e-3 relative.
final class LatentSamplingParityTests: XCTestCase {
    private struct Run {
        let name: String
        let request: LatentSampleRequest
        let timesteps: [Int]
        let weights: [[Double]]
    }

    private func runs() throws -> [Run] {
        let root = try Fixture.json("render-sample.json")
        let noise = try Fixture.safetensors(root["noise"] as! String).tensor(named: "noise")
        return try (root["runs"] as! [[String: Any]]).map { raw in
            var request = LatentSampleRequest(prompts: raw["prompts"] as! [String], noise: noise)
            request.negativePrompt = raw["negative"] as! String
            request.sampler = try SamplerChoice(name: raw["sampler"] as! String, karras: raw["karras"] as! Bool)
            request.sampling.steps = raw["steps"] as! Int
            request.sampling.splits = raw["splits"] as! [Double]
            request.sampling.mode = ProgressiveGuidanceSchedule.Mode(rawValue: raw["mode"] as! String)!
            request.sampling.alphaMax = raw["alpha_max"] as! Double
            request.sampling.alphaMin = raw["alpha_min"] as! Double
            request.sampling.guidanceScale = Float(raw["cfg"] as! Double)
            return Run(name: raw["name"] as! String, request: request, timesteps: raw["timesteps"] as! [Int],
                       weights: raw["weights"] as! [[Double]])
        }
    }

    func testLoopsMatchTheReference() throws {
        let expected = try Fixture.safetensors("render-sample.safetensors")
        let all = try runs()
        XCTAssertEqual(Set(all.map { $0.request.sampler.kind }), [.ddim, .dpmSolverMultistep])
        XCTAssertTrue(all.contains { $0.request.prompts.count == 3 })
        for run in all {
            var finished = 0
            let result = try LatentSampling.run(run.request, modelDirectory: Fixture.url("tiny-pipeline")) { done, total in
                finished = done
                XCTAssertEqual(total, run.timesteps.count)
            }
            XCTAssertEqual(finished, run.timesteps.count, run.name)
            XCTAssertEqual(result.timesteps, run.timesteps, run.name)
            XCTAssertEqual(result.weights.count, run.weights.count, run.name)
            for (ours, theirs) in zip(result.weights, run.weights) {
                for (a, b) in zip(ours, theirs) { XCTAssertEqual(a, b, accuracy: 1e-12, run.name) }
            }
            assertClose(result.latents, try expected.tensor(named: "\(run.name).latents"), relative: 1e-3, "\(run.name) latents")
        }
    }

    func testSamplersDifferSoTheFixtureTellsThemApart() throws {
        let base = try XCTUnwrap(try runs().first { $0.request.sampler.kind == .ddim })
        var other = base.request
        other.sampler = SamplerChoice(kind: .dpmSolverMultistep)
        let ddim = try LatentSampling.run(base.request, modelDirectory: Fixture.url("tiny-pipeline")).latents
        let dpm = try LatentSampling.run(other, modelDirectory: Fixture.url("tiny-pipeline")).latents
        let difference = zip(ddim.scalars, dpm.scalars).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(difference, 1e-2, "DDIM and DPM-Solver++ must not give the same latents")
    }

    func testBadRequestsAreErrors() throws {
        let run = try XCTUnwrap(try runs().first)
        var wrongShape = run.request
        wrongShape.noise = Tensor(zeros: [1, 4, 7, 8])
        XCTAssertThrowsError(try LatentSampling.run(wrongShape, modelDirectory: Fixture.url("tiny-pipeline"))) { error in
            XCTAssertTrue("\(error)".contains("multiples of 2"), "\(error)")
        }
        var tooFewPrompts = run.request
        tooFewPrompts.prompts = ["only one"]
        XCTAssertThrowsError(try LatentSampling.run(tooFewPrompts, modelDirectory: Fixture.url("tiny-pipeline"))) { error in
            XCTAssertTrue("\(error)".contains("one prompt per stage"), "\(error)")
        }
        XCTAssertThrowsError(try LatentSampling.run(run.request, modelDirectory: Fixture.url("unet-a")), "no model_index.json")
        XCTAssertThrowsError(try SamplerChoice(name: "euler", karras: false))
        XCTAssertThrowsError(try SamplerChoice(name: "ddim", karras: true)) { error in
            XCTAssertTrue("\(error)".contains("dpm++2m only"), "\(error)")
        }
    }
}
