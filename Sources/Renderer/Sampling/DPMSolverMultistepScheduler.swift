import Foundation
import Tensors

/// DPM-Solver++ (Lu et al. 2022), multistep, first or second order, as diffusers' `DPMSolverMultistepScheduler`
/// (0.42) runs it with `algorithm_type="dpmsolver++"`: the same timesteps and sigmas for every spacing (Karras
/// sigmas included), the data-prediction update in log-SNR time, and the same choice of order at each step.
///
/// In terms of sigma = sqrt((1 - alpha_bar) / alpha_bar), a noise level has alpha_t = 1 / sqrt(1 + sigma^2),
/// sigma_t = sigma alpha_t and lambda = log(alpha_t / sigma_t). A step from s to t with h = lambda_t - lambda_s is
/// x_t = (sigma_t / sigma_s) x - alpha_t (e^-h - 1) D, where D is the predicted clean sample (first order) or,
/// from the second step on, that prediction corrected by the previous one (midpoint: D0 + D1 / 2, with
/// D1 = (m0 - m1) h / h_prev).
public struct DPMSolverMultistepScheduler: Scheduler {
    public let configuration: DPMSolverConfiguration
    public let alphasCumprod: [Float]
    /// sqrt((1 - alpha_bar) / alpha_bar) per training timestep, in float32 as diffusers computes it.
    public let trainingSigmas: [Float]
    public private(set) var timesteps: [Int] = []
    /// The noise level at the start of each step of the run, then the final one (0 with `final_sigmas_type`
    /// zero): timesteps.count + 1 values.
    public private(set) var sigmas: [Float] = []
    public var initialNoiseSigma: Float { 1 }

    /// The previous step's predicted clean sample, for the second-order update.
    private var previousPrediction: Tensor?
    /// Steps taken since setTimesteps, capped at the solver order (diffusers' `lower_order_nums`).
    private var lowerOrderCount = 0
    private var nextStepIndex: Int?

    public init(configuration: DPMSolverConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        var cumulative = try Self.trainingAlphasCumprod(
            timesteps: configuration.numTrainTimesteps, betaStart: configuration.betaStart, betaEnd: configuration.betaEnd,
            schedule: configuration.betaSchedule, trainedBetas: configuration.trainedBetas,
            zeroTerminalSNR: configuration.rescaleBetasZeroSnr)
        // A zero-SNR schedule ends at alpha_bar 0, an infinite sigma; diffusers puts float16's smallest subnormal
        // there so the first step starts from a finite (very large) sigma.
        if configuration.rescaleBetasZeroSnr { cumulative[cumulative.count - 1] = Float(sign: .plus, exponent: -24, significand: 1) }
        alphasCumprod = cumulative
        trainingSigmas = cumulative.map { ((1 - $0) / $0).squareRoot() }
    }

    public mutating func setTimesteps(_ steps: Int) throws {
        let trainSteps = configuration.numTrainTimesteps
        guard steps >= 1 && steps <= trainSteps else { throw SchedulerError.invalidStepCount(steps, trainSteps: trainSteps) }
        let last = trainSteps - clippedTimestepCount()
        var chosen: [Int]
        switch configuration.timestepSpacing {
        case .linspace:
            // numpy.linspace(0, last - 1, steps + 1), rounded half to even, reversed, without the final 0.
            let step = Double(last - 1) / Double(steps)
            chosen = (1...steps).map { i in Int((i == steps ? Double(last - 1) : Double(i) * step).rounded(.toNearestOrEven)) }.reversed()
        case .leading:
            let ratio = last / (steps + 1)
            chosen = (1...steps).map { $0 * ratio + configuration.stepsOffset }.reversed()
        case .trailing:
            // numpy.arange(last, 0, -ratio) with a fractional ratio, rounded, minus one.
            let ratio = Double(trainSteps) / Double(steps)
            let count = Int((Double(last) / ratio).rounded(.up))
            chosen = (0..<count).map { Int((Double(last) - Double($0) * ratio).rounded(.toNearestOrEven)) - 1 }
        }
        var runSigmas: [Float]
        if configuration.useKarrasSigmas {
            let karras = karrasSigmas(steps)
            chosen = karras.map(timestep(forSigma:))
            runSigmas = karras.map { Float($0) }
        } else {
            guard chosen.allSatisfy({ trainingSigmas.indices.contains($0) }) else {
                throw SchedulerError.invalidConfiguration("timesteps \(chosen) leave the trained schedule (check steps_offset)")
            }
            runSigmas = chosen.map { trainingSigmas[$0] }
        }
        runSigmas.append(configuration.finalSigmasType == .zero ? 0 : trainingSigmas[0])
        timesteps = chosen
        sigmas = runSigmas
        previousPrediction = nil
        lowerOrderCount = 0
        nextStepIndex = nil
    }

    /// How many of the lowest-SNR training timesteps lambda_min_clipped cuts off (torch.searchsorted on the
    /// ascending lambdas, in float32 as diffusers computes them).
    private func clippedTimestepCount() -> Int {
        guard configuration.lambdaMinClipped > -Double.infinity else { return 0 }
        let lambdas = alphasCumprod.map { alpha -> Float in logf(alpha.squareRoot()) - logf((1 - alpha).squareRoot()) }
        return lambdas.reversed().filter { Double($0) < configuration.lambdaMinClipped }.count
    }

    /// Karras et al. 2022: sigmas evenly spaced in sigma^(1/7) from the largest to the smallest training sigma.
    private func karrasSigmas(_ steps: Int) -> [Double] {
        let rho = 7.0
        let minimum = Double(trainingSigmas[0]), maximum = Double(trainingSigmas[trainingSigmas.count - 1])
        let (minRoot, maxRoot) = (pow(minimum, 1 / rho), pow(maximum, 1 / rho))
        return (0..<steps).map { i in
            let ramp = steps == 1 ? 0 : (i == steps - 1 ? 1 : Double(i) * (1 / Double(steps - 1)))
            return pow(maxRoot + ramp * (minRoot - maxRoot), rho)
        }
    }

    /// The (fractional) training timestep of a sigma by linear interpolation in log sigma, rounded half to even
    /// as diffusers does, except for the cosine schedule, whose fractional timesteps diffusers truncates.
    private func timestep(forSigma sigma: Double) -> Int {
        let logSigma = log(max(sigma, 1e-10))
        let logSigmas = trainingSigmas.map { Double(logf($0)) }
        // The last index whose log sigma is at most the target (0 when none is), kept below the final index.
        let low = min(logSigmas.lastIndex { logSigma - $0 >= 0 } ?? 0, logSigmas.count - 2)
        let weight = min(max((logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[low + 1]), 0), 1)
        let t = (1 - weight) * Double(low) + weight * Double(low + 1)
        return configuration.betaSchedule == .squaredCosCapV2 ? Int(t) : Int(t.rounded(.toNearestOrEven))
    }

    /// alpha_t = 1 / sqrt(1 + sigma^2) and sigma_t = sigma alpha_t of a noise level.
    private static func alphaAndSigma(_ sigma: Float) -> (alpha: Double, sigma: Double) {
        let alpha = 1 / (Double(sigma) * Double(sigma) + 1).squareRoot()
        return (alpha, Double(sigma) * alpha)
    }

    public mutating func step(modelOutput: Tensor, stepIndex: Int, sample: Tensor) throws -> Tensor {
        precondition(modelOutput.shape == sample.shape, "model output \(modelOutput.shape) differs from sample \(sample.shape)")
        guard timesteps.indices.contains(stepIndex) else { throw SchedulerError.stepOutOfRange(stepIndex, steps: timesteps.count) }
        if let expected = nextStepIndex, stepIndex != expected { throw SchedulerError.stepOutOfOrder(stepIndex, expected: expected) }
        let count = timesteps.count
        let finalFirstOrder = stepIndex == count - 1
            && (configuration.eulerAtFinal || (configuration.lowerOrderFinal && count < 15) || configuration.finalSigmasType == .zero)

        let (alphaS, sigmaS) = Self.alphaAndSigma(sigmas[stepIndex])
        var prediction = Self.predictedOriginal(modelOutput: modelOutput, sample: sample, alpha: alphaS, sigma: sigmaS,
                                                prediction: configuration.predictionType)
        if configuration.thresholding {
            prediction = DynamicThreshold.apply(prediction, ratio: configuration.dynamicThresholdingRatio,
                                                maximum: Float(configuration.sampleMaxValue))
        }
        let (alphaT, sigmaT) = Self.alphaAndSigma(sigmas[stepIndex + 1])
        // lambda = log(alpha / sigma); at a final sigma of 0 it is +infinity, h too, and e^-h = 0: the step lands
        // on the prediction itself.
        let lambdaT = log(alphaT) - log(sigmaT), lambdaS = log(alphaS) - log(sigmaS)
        let h = lambdaT - lambdaS
        let decay = -alphaT * expm1(-h)
        let keep = sigmaT / sigmaS

        let next: Tensor
        if configuration.solverOrder == 1 || lowerOrderCount < 1 || finalFirstOrder {
            next = sample.scaledSum(Float(keep), prediction, Float(decay))
        } else {
            guard let previous = previousPrediction else { throw SchedulerError.invalidConfiguration("second-order step without a previous prediction") }
            let (alphaR, sigmaR) = Self.alphaAndSigma(sigmas[stepIndex - 1])
            let ratio = (lambdaS - (log(alphaR) - log(sigmaR))) / h
            // D1 = (m0 - m1) / ratio, folded into the coefficients of m0 and m1.
            let correction: Double
            switch configuration.solverType {
            case .midpoint: correction = 0.5 * decay
            case .heun: correction = alphaT * (expm1(-h) / h + 1)
            }
            next = sample.scaledSum(Float(keep), prediction, Float(decay + correction / ratio))
                .scaledSum(1, previous, Float(-correction / ratio))
        }
        previousPrediction = prediction
        lowerOrderCount = min(lowerOrderCount + 1, configuration.solverOrder)
        nextStepIndex = stepIndex + 1
        return next
    }

    /// alpha_t x0 + sigma_t noise at the noise level where step `stepIndex` starts.
    public func addNoise(original: Tensor, noise: Tensor, stepIndex: Int) throws -> Tensor {
        guard timesteps.indices.contains(stepIndex) else { throw SchedulerError.stepOutOfRange(stepIndex, steps: timesteps.count) }
        let (alpha, sigma) = Self.alphaAndSigma(sigmas[stepIndex])
        return original.scaledSum(Float(alpha), noise, Float(sigma))
    }
}
