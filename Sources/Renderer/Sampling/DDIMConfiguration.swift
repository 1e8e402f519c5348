import Foundation
import FileAccess

/// The settings of diffusers' `DDIMScheduler`, read from a checkpoint's `scheduler/scheduler_config.json`.
/// Defaults are diffusers' own constructor defaults; keys this scheduler does not use are ignored.
public struct DDIMConfiguration: Codable, Equatable, Sendable {
    public enum BetaSchedule: String, Codable, Sendable { case linear, scaledLinear = "scaled_linear", squaredCosCapV2 = "squaredcos_cap_v2" }
    public enum TimestepSpacing: String, Codable, Sendable, CaseIterable { case leading, trailing, linspace }
    public enum PredictionType: String, Codable, Sendable, CaseIterable { case epsilon, vPrediction = "v_prediction", sample }

    public var numTrainTimesteps = 1000
    public var betaStart = 0.0001
    public var betaEnd = 0.02
    public var betaSchedule = BetaSchedule.linear
    public var trainedBetas: [Double]?
    public var clipSample = true
    public var setAlphaToOne = true
    public var stepsOffset = 0
    public var predictionType = PredictionType.epsilon
    public var thresholding = false
    public var dynamicThresholdingRatio = 0.995
    public var clipSampleRange = 1.0
    public var sampleMaxValue = 1.0
    public var timestepSpacing = TimestepSpacing.leading
    public var rescaleBetasZeroSnr = false

    public init() {}

    /// Stable Diffusion 1.5's scheduler: scaled-linear betas 0.00085 to 0.012, leading spacing with offset 1,
    /// epsilon prediction, no clipping, final alpha taken from step 0.
    public static let stableDiffusion15: DDIMConfiguration = {
        var config = DDIMConfiguration()
        config.betaStart = 0.00085
        config.betaEnd = 0.012
        config.betaSchedule = .scaledLinear
        config.clipSample = false
        config.setAlphaToOne = false
        config.stepsOffset = 1
        return config
    }()

    enum CodingKeys: String, CodingKey {
        case numTrainTimesteps = "num_train_timesteps", betaStart = "beta_start", betaEnd = "beta_end"
        case betaSchedule = "beta_schedule", trainedBetas = "trained_betas", clipSample = "clip_sample"
        case setAlphaToOne = "set_alpha_to_one", stepsOffset = "steps_offset", predictionType = "prediction_type"
        case thresholding, dynamicThresholdingRatio = "dynamic_thresholding_ratio"
        case clipSampleRange = "clip_sample_range", sampleMaxValue = "sample_max_value"
        case timestepSpacing = "timestep_spacing", rescaleBetasZeroSnr = "rescale_betas_zero_snr"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = DDIMConfiguration()
        d.numTrainTimesteps = try c.decodeIfPresent(Int.self, forKey: .numTrainTimesteps) ?? d.numTrainTimesteps
        d.betaStart = try c.decodeIfPresent(Double.self, forKey: .betaStart) ?? d.betaStart
        d.betaEnd = try c.decodeIfPresent(Double.self, forKey: .betaEnd) ?? d.betaEnd
        d.betaSchedule = try c.decodeIfPresent(BetaSchedule.self, forKey: .betaSchedule) ?? d.betaSchedule
        d.trainedBetas = try c.decodeIfPresent([Double].self, forKey: .trainedBetas)
        d.clipSample = try c.decodeIfPresent(Bool.self, forKey: .clipSample) ?? d.clipSample
        d.setAlphaToOne = try c.decodeIfPresent(Bool.self, forKey: .setAlphaToOne) ?? d.setAlphaToOne
        d.stepsOffset = try c.decodeIfPresent(Int.self, forKey: .stepsOffset) ?? d.stepsOffset
        d.predictionType = try c.decodeIfPresent(PredictionType.self, forKey: .predictionType) ?? d.predictionType
        d.thresholding = try c.decodeIfPresent(Bool.self, forKey: .thresholding) ?? d.thresholding
        d.dynamicThresholdingRatio = try c.decodeIfPresent(Double.self, forKey: .dynamicThresholdingRatio) ?? d.dynamicThresholdingRatio
        d.clipSampleRange = try c.decodeIfPresent(Double.self, forKey: .clipSampleRange) ?? d.clipSampleRange
        d.sampleMaxValue = try c.decodeIfPresent(Double.self, forKey: .sampleMaxValue) ?? d.sampleMaxValue
        d.timestepSpacing = try c.decodeIfPresent(TimestepSpacing.self, forKey: .timestepSpacing) ?? d.timestepSpacing
        d.rescaleBetasZeroSnr = try c.decodeIfPresent(Bool.self, forKey: .rescaleBetasZeroSnr) ?? d.rescaleBetasZeroSnr
        self = d
    }

    /// Reads `scheduler_config.json`; an unknown beta schedule, spacing or prediction type is an error naming it,
    /// and so is a value outside its range.
    public static func load(from url: URL) throws -> DDIMConfiguration {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SchedulerError.invalidConfiguration("cannot read \(url.path)")
        }
        let configuration: DDIMConfiguration
        do {
            configuration = try LocatingJSONDecoder.decode(DDIMConfiguration.self, from: data)
        } catch {
            throw SchedulerError.invalidConfiguration(FileErrorText.describe(error, path: url.path))
        }
        try configuration.validate(source: url.path)
        return configuration
    }

    /// Ranges a run needs, checked before the schedule's tables are allocated (`num_train_timesteps: 1e12` would
    /// otherwise abort in the allocation).
    public func validate(source: String = "scheduler configuration") throws {
        func fail(_ why: String) -> SchedulerError { .invalidConfiguration("\(source): \(why)") }
        guard (2...100_000).contains(numTrainTimesteps) else { throw fail("num_train_timesteps must be 2...100000, got \(numTrainTimesteps)") }
        guard betaStart.isFinite, betaEnd.isFinite, betaStart >= 0, betaEnd < 1, betaStart <= betaEnd else {
            throw fail("betas need 0 <= beta_start <= beta_end < 1, got \(betaStart) and \(betaEnd)")
        }
        if let trainedBetas {
            guard trainedBetas.count == numTrainTimesteps, trainedBetas.allSatisfy({ $0.isFinite && $0 >= 0 && $0 < 1 }) else {
                throw fail("trained_betas must hold num_train_timesteps values in [0, 1)")
            }
        }
        guard (0...numTrainTimesteps).contains(stepsOffset) else { throw fail("steps_offset must be 0...\(numTrainTimesteps)") }
        guard dynamicThresholdingRatio > 0, dynamicThresholdingRatio <= 1 else { throw fail("dynamic_thresholding_ratio must be in (0, 1]") }
        guard clipSampleRange.isFinite, clipSampleRange > 0 else { throw fail("clip_sample_range must be a positive number") }
        guard sampleMaxValue.isFinite, sampleMaxValue > 0 else { throw fail("sample_max_value must be a positive number") }
    }
}
