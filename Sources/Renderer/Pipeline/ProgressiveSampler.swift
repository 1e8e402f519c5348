import Foundation
import Tensors

/// The denoising loop: scheduler steps (DDIM or DPM-Solver++) with classifier-free guidance, the text condition
/// moving from the coarse to the fine prompt(s) by a `ProgressiveGuidanceSchedule`, from pure noise or from a
/// reference latent noised to a strength (diffusers' image-to-image start).
public struct ProgressiveSampler: Sendable {
    public struct Parameters: Sendable, Equatable {
        public var steps = 40
        public var guidanceScale: Float = 3.5
        public var guidanceRescale: Float = 0
        public var splits = ProgressiveGuidanceSchedule.defaultSplits
        public var mode = ProgressiveGuidanceSchedule.Mode.paper
        /// The paper's alpha bounds for `paper` mode (Algorithm 1's alpha_max and alpha_min).
        public var alphaMax = ProgressiveGuidanceSchedule.defaultAlphaMax
        public var alphaMin = ProgressiveGuidanceSchedule.defaultAlphaMin
        /// 1 starts from pure noise; below 1 the reference latent is noised to the timestep at which the last
        /// round(steps * strength) steps begin (diffusers: int(steps * strength)), and only those steps run.
        public var strength: Float = 1

        public init() {}
    }

    @_spi(Development) public let denoiser: any GuidedDenoiser
    public let scheduler: any Scheduler

    @_spi(Development) public init(denoiser: any GuidedDenoiser, scheduler: any Scheduler) {
        self.denoiser = denoiser
        self.scheduler = scheduler
    }

    @_spi(Development) public init(unet: UNet2DConditionModel, scheduler: any Scheduler) {
        self.init(denoiser: ImageDenoiser(unet: unet), scheduler: scheduler)
    }

    /// The timesteps that run for these parameters (after the strength cut), first to last.
    public func timesteps(_ parameters: Parameters) throws -> [Int] {
        let (all, first) = try plannedRun(parameters)
        return Array(all[first...])
    }

    /// All timesteps of a `steps`-step run and the index of the first one that runs (diffusers' begin index).
    private func plannedRun(_ parameters: Parameters) throws -> (timesteps: [Int], first: Int) {
        guard parameters.steps > 0 else { throw SamplingError.invalid("steps must be positive") }
        guard parameters.strength > 0, parameters.strength <= 1 else { throw SamplingError.invalid("strength must be in (0, 1]") }
        var scheduler = self.scheduler
        try scheduler.setTimesteps(parameters.steps)
        let all = scheduler.timesteps
        let kept = min(Int(Float(parameters.steps) * parameters.strength), all.count)
        guard kept > 0 else { throw SamplingError.invalid("strength \(parameters.strength) leaves no step of \(parameters.steps)") }
        return (all, all.count - kept)
    }

    /// The progressive schedule laid over the steps that actually run (step 0 is the first denoising step).
    public func guidanceSchedule(_ parameters: Parameters) throws -> ProgressiveGuidanceSchedule {
        try ProgressiveGuidanceSchedule(stepCount: timesteps(parameters).count, splits: parameters.splits, mode: parameters.mode,
                                        alphaMax: parameters.alphaMax, alphaMin: parameters.alphaMin)
    }

    /// Denoises `noise` (an image's [1, C, H, W] or a window's [1, C, F, H, W], whichever the denoiser takes), or with
    /// `reference` latents and strength < 1, the reference noised by it.
    /// `stageConditions` are the prompt embeddings [1, L, D], coarse first, one per schedule stage;
    /// `unconditional` is the negative prompt's. `progress` is told each finished step (index, count) and may
    /// throw to cancel between steps.
    public func sample(noise: Tensor, stageConditions: [Tensor], unconditional: Tensor, reference: Tensor? = nil,
                       parameters: Parameters, progress: (Int, Int) throws -> Void = { _, _ in }) throws -> Tensor {
        let (all, first) = try plannedRun(parameters)
        var scheduler = self.scheduler
        try scheduler.setTimesteps(parameters.steps)
        let schedule = try guidanceSchedule(parameters)
        guard stageConditions.count == schedule.stageCount else {
            throw SamplingError.invalid("\(stageConditions.count) prompt embeddings for a schedule of \(schedule.stageCount) stages")
        }
        var latents: Tensor
        if parameters.strength < 1 {
            guard let reference else { throw SamplingError.invalid("strength below 1 needs reference latents") }
            guard reference.shape == noise.shape else { throw SamplingError.invalid("reference latents \(reference.shape) differ from noise \(noise.shape)") }
            latents = try scheduler.addNoise(original: reference, noise: noise, stepIndex: first)
        } else {
            // diffusers' prepare_latents scales the starting noise by init_noise_sigma (1 for DDIM and DPM-Solver++).
            latents = noise.map { $0 * scheduler.initialNoiseSigma }
        }
        let count = all.count - first
        for index in 0..<count {
            let timestep = all[first + index]
            let condition = try schedule.condition(from: stageConditions, atStep: index)
            let output = try denoiser.predictions(latents: latents, timestep: timestep, condition: condition, unconditional: unconditional)
            let guided = ClassifierFreeGuidance.combine(unconditional: output.unconditional, conditional: output.conditional,
                                                        scale: parameters.guidanceScale, rescale: parameters.guidanceRescale)
            latents = try scheduler.step(modelOutput: guided, stepIndex: first + index, sample: latents)
            try progress(index + 1, count)
        }
        return latents
    }
}
