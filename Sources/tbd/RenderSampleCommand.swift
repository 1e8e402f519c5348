import ArgumentParser
import FileAccess
import Foundation
@_spi(Development) import Renderer
import Tensors

extension RenderCommand {
    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the whole sampling loop without the VAE and save the final latent (a parity diagnostic).",
            discussion: """
                The prompts are the stages in order, coarse first (one more than the split fractions). --noise is a \
                safetensors file whose tensor "noise" [1, 4, h, w] is the starting latent (scaled by the scheduler's \
                initial noise sigma). The output holds "latents", the last step's latent before VAE decoding. The \
                model folder needs model_index.json, text_encoder/, unet/ and scheduler/ (no vae/). See \
                docs/renderer.md.
                """)

        @Option(name: .long, help: "A diffusers Stable Diffusion 1.5-family folder (model_index.json, text_encoder/, unet/, scheduler/).")
        var model: String
        @Option(name: .long, help: "A stage's prompt; repeat it, coarse first.")
        var prompt: [String] = []
        @Option(name: .long, help: "The negative prompt (default: empty).")
        var negative = ""
        @Option(name: .long, help: "safetensors file with tensor \"noise\" [1, 4, h, w].")
        var noise: String
        @Option(name: .long, help: "Denoising steps (1-1000).")
        var steps: Int
        @Option(name: .long, help: "Split fractions in (0, 1), increasing, comma-separated; one fewer than the prompts.")
        var split = "0.4"
        @OptionGroup var blend: BlendOption
        @OptionGroup var alpha: AlphaBoundsOptions
        @OptionGroup var samplerOptions: SamplerOptions
        @Option(name: .long, help: "Classifier-free guidance scale (0-100).")
        var cfg: Float = 3.5
        @Option(name: .long, help: "Where to write the safetensors file with \"latents\".")
        var out: String
        @OptionGroup var output: JSONOption

        func run() throws {
            let blending = blend.mode
            guard (1...1000).contains(steps) else { throw CLIError("--steps must be 1-1000, got \(steps)") }
            guard cfg.isFinite, cfg >= 0, cfg <= 100 else { throw CLIError("--cfg must be 0-100, got \(cfg)") }
            let fractions = try split.split(separator: ",").map { part -> Double in
                guard let value = Double(part.trimmingCharacters(in: .whitespaces)), value > 0, value < 1 else {
                    throw CLIError("'\(part)' in --split \(split) is not a fraction strictly between 0 and 1")
                }
                return value
            }
            guard prompt.count == fractions.count + 1 else {
                throw CLIError("give one --prompt per stage: \(fractions.count + 1) for --split \(split), got \(prompt.count)")
            }
            let bounds = try alpha.bounds(for: blending)
            let sampler = try samplerOptions.choice()
            let start = try loadNoise()

            var request = LatentSampleRequest(prompts: prompt, noise: start)
            request.negativePrompt = negative
            request.sampler = sampler
            request.sampling.steps = steps
            request.sampling.splits = fractions
            request.sampling.mode = blending
            request.sampling.alphaMax = bounds.max
            request.sampling.alphaMin = bounds.min
            request.sampling.guidanceScale = cfg
            let began = Date()
            let result: LatentSampleResult
            do { result = try LatentSampling.run(request, modelDirectory: URL(fileURLWithPath: model)) } catch {
                throw CLIError("sampling with \(model) failed: \(error)")
            }
            let seconds = Date().timeIntervalSince(began)
            do {
                try SafeTensorsWriter.write(tensors: ["latents": result.latents],
                                            metadata: ["sampler": sampler.name, "steps": String(steps), "blend": blending.rawValue,
                                                       "split": split, "cfg": String(cfg)],
                                            to: URL(fileURLWithPath: out))
            } catch where !(error is OutputFileError) {
                // An OutputFileError names the file already.
                throw CLIError("cannot write \(out): \(error)")
            }
            let rows = zip(result.timesteps, result.weights).enumerated().map { index, pair in
                SampleStepView(step: index, timestep: pair.0, weights: pair.1)
            }
            if output.json {
                try printJSON(SampleView(out: out, sampler: samplerOptions.sampler, karras: samplerOptions.karras,
                                         latentShape: result.latents.shape, seconds: seconds, steps: rows))
            } else {
                print("\(rows.count) steps with \(sampler.name) in \(String(format: "%.2f", seconds)) s: latents \(result.latents.shape) -> \(out)")
            }
        }

        private func loadNoise() throws -> Tensor {
            do { return try SafeTensorsFile(contentsOf: URL(fileURLWithPath: noise)).tensor(named: "noise") } catch {
                throw CLIError("cannot read tensor \"noise\" from \(noise): \(error)")
            }
        }
    }
}

private struct SampleStepView: Encodable {
    let step: Int
    let timestep: Int
    let weights: [Double]
}

private struct SampleView: Encodable {
    let out: String
    let sampler: String
    let karras: Bool
    let latentShape: [Int]
    let seconds: Double
    let steps: [SampleStepView]
}
