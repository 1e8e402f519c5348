import Foundation
import Tensors

/// Denoising diffusion implicit models, step for step as diffusers' `DDIMScheduler` (0.42): the same betas,
/// timestep grid, and update, so a latent sampled here follows the PyTorch reference within float rounding.
public struct DDIMScheduler: Scheduler {
    public let configuration: DDIMConfiguration
    /// Cumulative products of (1 - beta) per training timestep, as Float32 like diffusers' tensor.
    public let alphasCumprod: [Float]
    /// The alpha used after the last step: 1 with `set_alpha_to_one`, otherwise alphas_cumprod[0].
    public let finalAlphaCumprod: Float
    /// The timesteps of one sampling run, first to last (noisy to clean).
    public private(set) var timesteps: [Int] = []
    public private(set) var inferenceStepCount = 0

    public init(configuration: DDIMConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        alphasCumprod = try Self.trainingAlphasCumprod(
            timesteps: configuration.numTrainTimesteps, betaStart: configuration.betaStart, betaEnd: configuration.betaEnd,
            schedule: configuration.betaSchedule, trainedBetas: configuration.trainedBetas,
            zeroTerminalSNR: configuration.rescaleBetasZeroSnr)
        finalAlphaCumprod = configuration.setAlphaToOne ? 1 : alphasCumprod[0]
    }

    /// Pure-noise runs start from unit noise, as diffusers' DDIM (`init_noise_sigma` 1).
    public var initialNoiseSigma: Float { 1 }

    /// Chooses the timesteps of an `steps`-step run with the configured spacing (numpy's rounding: half to even).
    public mutating func setTimesteps(_ steps: Int) throws {
        let trainSteps = configuration.numTrainTimesteps
        guard steps >= 1 && steps <= trainSteps else { throw SchedulerError.invalidStepCount(steps, trainSteps: trainSteps) }
        switch configuration.timestepSpacing {
        case .linspace:
            let last = Double(trainSteps - 1)
            let step = steps > 1 ? last / Double(steps - 1) : 0
            timesteps = (0..<steps).map { i in
                Int((i == steps - 1 && steps > 1 ? last : Double(i) * step).rounded(.toNearestOrEven))
            }.reversed()
        case .leading:
            let ratio = trainSteps / steps
            timesteps = (0..<steps).map { $0 * ratio + configuration.stepsOffset }.reversed()
        case .trailing:
            let ratio = Double(trainSteps) / Double(steps)
            let count = Int((Double(trainSteps) / ratio).rounded(.up))
            timesteps = (0..<count).map { i in Int((Double(trainSteps) - Double(i) * ratio).rounded(.toNearestOrEven)) - 1 }
        }
        inferenceStepCount = steps
    }

    public func alphaCumprod(at timestep: Int) throws -> Float {
        guard timestep >= 0 && timestep < alphasCumprod.count else { throw SchedulerError.timestepOutOfRange(timestep) }
        return alphasCumprod[timestep]
    }

    /// The timestep one step after `timestep` in the run (diffusers uses train steps // inference steps for
    /// every spacing, trailing included).
    public func previousTimestep(_ timestep: Int) -> Int {
        timestep - configuration.numTrainTimesteps / max(1, inferenceStepCount)
    }

    public struct StepOutput: Sendable {
        public let previousSample: Tensor
        public let predictedOriginalSample: Tensor
    }

    /// One DDIM update from `sample` at `timestep` given the network's output. With `eta` > 0 the caller passes
    /// the Gaussian `varianceNoise` (so runs are reproducible and comparable to the reference).
    public func step(modelOutput: Tensor, timestep: Int, sample: Tensor, eta: Float = 0,
                     useClippedModelOutput: Bool = false, varianceNoise: Tensor? = nil) throws -> StepOutput {
        precondition(modelOutput.shape == sample.shape, "model output \(modelOutput.shape) differs from sample \(sample.shape)")
        guard inferenceStepCount > 0 else { throw SchedulerError.invalidConfiguration("setTimesteps must come before step") }
        let previous = previousTimestep(timestep)
        let alphaT = Double(try alphaCumprod(at: timestep))
        let alphaPrev = Double(previous >= 0 ? try alphaCumprod(at: previous) : finalAlphaCumprod)
        let betaT = 1 - alphaT
        let (rootAlpha, rootBeta) = (alphaT.squareRoot(), betaT.squareRoot())

        // x_t = sqrt(a) x0 + sqrt(1 - a) eps: the shared conversion gives x0; DDIM also needs the noise direction.
        var original = Self.predictedOriginal(modelOutput: modelOutput, sample: sample, alpha: rootAlpha, sigma: rootBeta,
                                              prediction: configuration.predictionType)
        var epsilon: Tensor
        switch configuration.predictionType {
        case .epsilon:
            epsilon = modelOutput
        case .sample:
            epsilon = sample.zip(modelOutput) { x, x0 in Float((Double(x) - rootAlpha * Double(x0)) / rootBeta) }
        case .vPrediction:
            epsilon = modelOutput.scaledSum(Float(rootAlpha), sample, Float(rootBeta))
        }

        if configuration.thresholding {
            original = DynamicThreshold.apply(original, ratio: configuration.dynamicThresholdingRatio,
                                              maximum: Float(configuration.sampleMaxValue))
        } else if configuration.clipSample {
            let range = Float(configuration.clipSampleRange)
            original = original.map { min(max($0, -range), range) }
        }

        let variance = ((1 - alphaPrev) / betaT) * (1 - alphaT / alphaPrev)
        let deviation = Double(eta) * variance.squareRoot()
        if useClippedModelOutput {
            epsilon = sample.zip(original) { x, x0 in Float((Double(x) - rootAlpha * Double(x0)) / rootBeta) }
        }
        let direction = (1 - alphaPrev - deviation * deviation).squareRoot()
        var previousSample = original.scaledSum(Float(alphaPrev.squareRoot()), epsilon, Float(direction))
        if eta > 0 {
            guard let noise = varianceNoise, noise.shape == sample.shape else {
                throw SchedulerError.invalidConfiguration("eta > 0 needs variance noise of the sample's shape")
            }
            previousSample = previousSample.scaledSum(1, noise, Float(deviation))
        }
        return StepOutput(previousSample: previousSample, predictedOriginalSample: original)
    }

    /// Forward diffusion to `timestep`: sqrt(a) x0 + sqrt(1 - a) noise (image-to-image starts).
    public func addNoise(original: Tensor, noise: Tensor, timestep: Int) throws -> Tensor {
        let alpha = Double(try alphaCumprod(at: timestep))
        return original.scaledSum(Float(alpha.squareRoot()), noise, Float((1 - alpha).squareRoot()))
    }

    /// The v-prediction target: sqrt(a) noise - sqrt(1 - a) x0.
    public func velocity(sample: Tensor, noise: Tensor, timestep: Int) throws -> Tensor {
        let alpha = Double(try alphaCumprod(at: timestep))
        return noise.scaledSum(Float(alpha.squareRoot()), sample, -Float((1 - alpha).squareRoot()))
    }

    /// The protocol's step: DDIM at `timesteps[stepIndex]`, eta 0 (deterministic, as the renderer samples).
    public func step(modelOutput: Tensor, stepIndex: Int, sample: Tensor) throws -> Tensor {
        guard timesteps.indices.contains(stepIndex) else { throw SchedulerError.stepOutOfRange(stepIndex, steps: timesteps.count) }
        return try step(modelOutput: modelOutput, timestep: timesteps[stepIndex], sample: sample).previousSample
    }

    /// Forward diffusion to the timestep of step `stepIndex`.
    public func addNoise(original: Tensor, noise: Tensor, stepIndex: Int) throws -> Tensor {
        guard timesteps.indices.contains(stepIndex) else { throw SchedulerError.stepOutOfRange(stepIndex, steps: timesteps.count) }
        return try addNoise(original: original, noise: noise, timestep: timesteps[stepIndex])
    }
}
