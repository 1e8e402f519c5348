import Foundation
import Tensors

/// What the sampling loop needs from a noise scheduler, so `ProgressiveSampler` runs DDIM and DPM-Solver++ alike.
/// Steps are addressed by their index in `timesteps` rather than by timestep value: multistep solvers keep a
/// history and Karras-spaced runs can repeat a timestep, so only the index says where in the run a step is.
public protocol Scheduler: Sendable {
    /// The cumulative products of (1 - beta) per training timestep, Float32 as diffusers' tensor.
    var alphasCumprod: [Float] { get }
    /// The timesteps of the run chosen by `setTimesteps`, first (noisiest) to last.
    var timesteps: [Int] { get }
    /// The standard deviation of the starting noise (diffusers' `init_noise_sigma`): pure-noise runs start from
    /// unit Gaussian noise times this.
    var initialNoiseSigma: Float { get }

    /// Chooses the timesteps of a `steps`-step run and forgets any earlier run's state.
    mutating func setTimesteps(_ steps: Int) throws

    /// Denoises `sample` from step `stepIndex` of the run (at `timesteps[stepIndex]`) to the next noise level,
    /// given the network's output there (after guidance). Mutating: multistep solvers remember earlier outputs.
    mutating func step(modelOutput: Tensor, stepIndex: Int, sample: Tensor) throws -> Tensor

    /// Forward diffusion of a clean latent to the noise level at which step `stepIndex` starts (image-to-image).
    func addNoise(original: Tensor, noise: Tensor, stepIndex: Int) throws -> Tensor
}

/// The beta schedules and prediction types both schedulers share: the same config keys and the same arithmetic.
extension Scheduler {
    /// alphas_cumprod for the training schedule, as diffusers computes it in float32: betas from torch.linspace
    /// (or trained values), optionally rescaled to zero terminal SNR, and a cumulative product that accumulates in
    /// double and rounds each partial product to float, as PyTorch's CPU kernel does.
    public static func trainingAlphasCumprod(timesteps: Int, betaStart: Double, betaEnd: Double,
                                             schedule: DDIMConfiguration.BetaSchedule, trainedBetas: [Double]?,
                                             zeroTerminalSNR: Bool) throws -> [Float] {
        guard timesteps > 1 else { throw SchedulerError.invalidConfiguration("num_train_timesteps must be above 1, got \(timesteps)") }
        var betas: [Float]
        if let trainedBetas {
            guard trainedBetas.count == timesteps else {
                throw SchedulerError.invalidConfiguration("trained_betas has \(trainedBetas.count) values for \(timesteps) timesteps")
            }
            betas = trainedBetas.map { Float($0) }
        } else {
            switch schedule {
            case .linear:
                betas = torchLinspace(Float(betaStart), Float(betaEnd), timesteps)
            case .scaledLinear:
                betas = torchLinspace(Float(betaStart.squareRoot()), Float(betaEnd.squareRoot()), timesteps).map { $0 * $0 }
            case .squaredCosCapV2:
                func alphaBar(_ t: Double) -> Double {
                    let angle = (t + 0.008) / 1.008 * Double.pi / 2
                    return cos(angle) * cos(angle)
                }
                betas = (0..<timesteps).map { i in
                    Float(min(1 - alphaBar(Double(i + 1) / Double(timesteps)) / alphaBar(Double(i) / Double(timesteps)), 0.999))
                }
            }
        }
        guard betas.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
            throw SchedulerError.invalidConfiguration("betas must lie in [0, 1]; check beta_start, beta_end and trained_betas")
        }
        if zeroTerminalSNR { betas = rescaledToZeroTerminalSNR(betas) }
        var running = 1.0
        return betas.map { beta in
            running *= Double(Float(1) - beta)
            return Float(running)
        }
    }

    /// torch.linspace for float32: the first half counts up from the start, the second half down from the end.
    static func torchLinspace(_ start: Float, _ end: Float, _ count: Int) -> [Float] {
        guard count > 1 else { return [start] }
        let step = (end - start) / Float(count - 1)
        let half = count / 2
        return (0..<count).map { i in i < half ? start + step * Float(i) : end - step * Float(count - 1 - i) }
    }

    /// Lin et al. 2023, Algorithm 1: shift and scale sqrt(alpha_bar) so the last timestep has zero SNR.
    static func rescaledToZeroTerminalSNR(_ betas: [Float]) -> [Float] {
        var running: Double = 1
        var roots: [Float] = betas.map { beta in
            running *= Double(Float(1) - beta)
            return Float(running).squareRoot()
        }
        let first = roots[0], last = roots[roots.count - 1]
        let scale = first / (first - last)
        roots = roots.map { ($0 - last) * scale }
        let bars = roots.map { $0 * $0 }
        var alphas = [bars[0]]
        for index in 1..<bars.count { alphas.append(bars[index] / bars[index - 1]) }
        return alphas.map { 1 - $0 }
    }

    /// The clean sample the network's output implies for x_t = alpha x0 + sigma eps: epsilon gives
    /// (x - sigma eps) / alpha, v gives alpha x - sigma v, and `sample` is x0 itself.
    static func predictedOriginal(modelOutput: Tensor, sample: Tensor, alpha: Double, sigma: Double,
                                  prediction: DDIMConfiguration.PredictionType) -> Tensor {
        switch prediction {
        case .epsilon:
            return sample.zip(modelOutput) { x, e in Float((Double(x) - sigma * Double(e)) / alpha) }
        case .vPrediction:
            return sample.scaledSum(Float(alpha), modelOutput, Float(-sigma))
        case .sample:
            return modelOutput
        }
    }
}
