import Foundation
import Tensors

/// The whole sampling loop of a diffusers folder without the VAE, for parity checks against a reference loop:
/// tokenizer, text encoder, UNet and the chosen scheduler (a folder needs no `vae/` for this).
@_spi(Development) public enum LatentSampling {
    /// Loads the model parts from `modelDirectory`, checks the request against them, and samples.
    public static func run(_ request: LatentSampleRequest, modelDirectory: URL,
                           progress: (Int, Int) throws -> Void = { _, _ in }) throws -> LatentSampleResult {
        let folder = try DiffusersModelFolder(root: modelDirectory)
        let tokenizer = try folder.tokenizer()
        let textEncoder = try folder.textEncoder()
        let unet = try UNet2DConditionModel(directory: folder.component("unet").directory)
        let scheduler = try folder.scheduler(for: request.sampler)
        guard unet.configuration.crossAttentionDim.allSatisfy({ $0 == textEncoder.configuration.hiddenSize }) else {
            throw ModelLoadingError.invalidConfiguration(
                "the UNet's cross_attention_dim \(unet.configuration.crossAttentionDim) differs from the text encoder's width \(textEncoder.configuration.hiddenSize)")
        }
        let shape = request.noise.shape
        // Each UNet level halves the latent, so its sides must divide by 2^(levels - 1).
        let multiple = 1 << (unet.configuration.blockOutChannels.count - 1)
        guard shape.count == 4, shape[0] == 1, shape[1] == unet.configuration.inChannels,
              shape[2] > 0, shape[3] > 0, shape[2] % multiple == 0, shape[3] % multiple == 0 else {
            throw SamplingError.invalid("noise \(shape) must be [1, \(unet.configuration.inChannels), h, w] with h and w multiples of \(multiple)")
        }
        let sampler = ProgressiveSampler(unet: unet, scheduler: scheduler)
        let schedule = try sampler.guidanceSchedule(request.sampling)
        guard request.prompts.count == schedule.stageCount else {
            throw SamplingError.invalid("\(request.prompts.count) prompts for \(schedule.stageCount) stages: give one prompt per stage (splits + 1)")
        }
        let embed = { (prompt: String) in try textEncoder.condition([tokenizer.encode(prompt)], clipSkip: request.clipSkip) }
        let latents = try sampler.sample(noise: request.noise, stageConditions: request.prompts.map(embed),
                                         unconditional: embed(request.negativePrompt), parameters: request.sampling,
                                         progress: progress)
        return LatentSampleResult(latents: latents, timesteps: try sampler.timesteps(request.sampling),
                                  weights: (0..<schedule.stepCount).map(schedule.weights(atStep:)))
    }
}
