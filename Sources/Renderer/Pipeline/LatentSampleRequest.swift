import Foundation
import Tensors

/// One run of the sampling loop without the VAE (`tbd render sample`): prompts as stages, the starting noise,
/// the schedule, the sampler and the guidance scale.
@_spi(Development) public struct LatentSampleRequest: Sendable {
    /// One prompt per progressive-guidance stage, coarse first (splits.count + 1 of them).
    public var prompts: [String]
    public var negativePrompt = ""
    /// The starting latent [1, C, h, w] as unit Gaussian noise; the scheduler's initial noise sigma scales it.
    public var noise: Tensor
    public var sampling = ProgressiveSampler.Parameters()
    public var sampler = SamplerChoice.ddim
    public var clipSkip = 0

    public init(prompts: [String], noise: Tensor) {
        self.prompts = prompts
        self.noise = noise
    }
}
