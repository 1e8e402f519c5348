import Foundation
import FileAccess

/// The settings of diffusers' `DPMSolverMultistepScheduler` that this implementation follows, with diffusers'
/// constructor defaults. `fromCheckpoint(_:)` reads a checkpoint's `scheduler_config.json` (usually written for
/// DDIM or PNDM) the way `DPMSolverMultistepScheduler.from_config(config, algorithm_type="dpmsolver++",
/// solver_order=2)` does: keys this scheduler knows are taken, others are ignored, the rest keep the defaults.
/// Settings it does not implement (other sigma spacings, flow matching, learned variance, SDE variants, third
/// order) are refused by name rather than ignored.
public struct DPMSolverConfiguration: Equatable, Sendable {
    public enum SolverType: String, Sendable, CaseIterable { case midpoint, heun }
    public enum FinalSigmas: String, Sendable, CaseIterable { case zero, sigmaMin = "sigma_min" }

    public var numTrainTimesteps = 1000
    public var betaStart = 0.0001
    public var betaEnd = 0.02
    public var betaSchedule = DDIMConfiguration.BetaSchedule.linear
    public var trainedBetas: [Double]?
    public var solverOrder = 2
    public var predictionType = DDIMConfiguration.PredictionType.epsilon
    public var thresholding = false
    public var dynamicThresholdingRatio = 0.995
    public var sampleMaxValue = 1.0
    public var solverType = SolverType.midpoint
    public var lowerOrderFinal = true
    public var eulerAtFinal = false
    public var useKarrasSigmas = false
    public var finalSigmasType = FinalSigmas.zero
    public var lambdaMinClipped = -Double.infinity
    public var timestepSpacing = DDIMConfiguration.TimestepSpacing.linspace
    public var stepsOffset = 0
    public var rescaleBetasZeroSnr = false

    public init() {}

    /// `from_config(config, algorithm_type="dpmsolver++", solver_order=2)` on a scheduler_config.json's bytes.
    public static func fromCheckpoint(_ data: Data, source: String = "scheduler_config.json") throws -> DPMSolverConfiguration {
        // Python's json writes lambda_min_clipped's default as the bare token -Infinity, which is not JSON; it
        // means the default, so it reads as null.
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "-Infinity", with: "null")
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let keys = object as? [String: Any] else {
            throw SchedulerError.invalidConfiguration("\(source) is not a JSON object")
        }
        var overridden = keys
        overridden["algorithm_type"] = "dpmsolver++"
        overridden["solver_order"] = 2
        return try DPMSolverConfiguration(keys: overridden, source: source)
    }

    /// Reads a checkpoint's scheduler_config.json as `fromCheckpoint(_:)` does.
    public static func load(from url: URL) throws -> DPMSolverConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw SchedulerError.invalidConfiguration("cannot read \(FileErrorText.describe(error, path: url.path))") }
        return try fromCheckpoint(data, source: url.path)
    }

    /// Builds the configuration from diffusers' config keys exactly as given (no overrides).
    public init(keys: [String: Any], source: String = "scheduler configuration") throws {
        func fail(_ why: String) -> SchedulerError { .invalidConfiguration("\(source): \(why)") }
        func present(_ key: String) -> Any? {
            guard let value = keys[key], !(value is NSNull) else { return nil }
            return value
        }
        func number(_ key: String) throws -> Double? {
            guard let value = present(key) else { return nil }
            guard let number = value as? NSNumber, number.doubleValue.isFinite else { throw fail("\(key) must be a finite number") }
            return number.doubleValue
        }
        func integer(_ key: String) throws -> Int? {
            guard let value = try number(key) else { return nil }
            guard value.rounded() == value, abs(value) < 1e9 else { throw fail("\(key) must be a whole number, got \(value)") }
            return Int(value)
        }
        func flag(_ key: String) throws -> Bool? {
            guard let value = present(key) else { return nil }
            guard let flag = value as? Bool else { throw fail("\(key) must be true or false") }
            return flag
        }
        func text(_ key: String) throws -> String? {
            guard let value = present(key) else { return nil }
            guard let text = value as? String else { throw fail("\(key) must be a string") }
            return text
        }
        func choice<Value: RawRepresentable>(_ key: String, _: Value.Type) throws -> Value? where Value.RawValue == String {
            guard let raw = try text(key) else { return nil }
            guard let value = Value(rawValue: raw) else { throw fail("\(key) \"\(raw)\" is not supported by this DPM-Solver++") }
            return value
        }

        var c = DPMSolverConfiguration()
        c.numTrainTimesteps = try integer("num_train_timesteps") ?? c.numTrainTimesteps
        c.betaStart = try number("beta_start") ?? c.betaStart
        c.betaEnd = try number("beta_end") ?? c.betaEnd
        c.betaSchedule = try choice("beta_schedule", DDIMConfiguration.BetaSchedule.self) ?? c.betaSchedule
        if let trained = present("trained_betas") {
            guard let values = trained as? [NSNumber] else { throw fail("trained_betas must be a list of numbers") }
            c.trainedBetas = values.map(\.doubleValue)
        }
        c.solverOrder = try integer("solver_order") ?? c.solverOrder
        c.predictionType = try choice("prediction_type", DDIMConfiguration.PredictionType.self) ?? c.predictionType
        c.thresholding = try flag("thresholding") ?? c.thresholding
        c.dynamicThresholdingRatio = try number("dynamic_thresholding_ratio") ?? c.dynamicThresholdingRatio
        c.sampleMaxValue = try number("sample_max_value") ?? c.sampleMaxValue
        // diffusers maps DEIS/UniPC solver names onto midpoint.
        if let solver = try text("solver_type") {
            if ["logrho", "bh1", "bh2"].contains(solver) { c.solverType = .midpoint } else {
                guard let known = SolverType(rawValue: solver) else { throw fail("solver_type \"\(solver)\" is not supported (midpoint or heun)") }
                c.solverType = known
            }
        }
        c.lowerOrderFinal = try flag("lower_order_final") ?? c.lowerOrderFinal
        c.eulerAtFinal = try flag("euler_at_final") ?? c.eulerAtFinal
        c.useKarrasSigmas = try flag("use_karras_sigmas") ?? c.useKarrasSigmas
        c.finalSigmasType = try choice("final_sigmas_type", FinalSigmas.self) ?? c.finalSigmasType
        c.lambdaMinClipped = try number("lambda_min_clipped") ?? c.lambdaMinClipped
        c.timestepSpacing = try choice("timestep_spacing", DDIMConfiguration.TimestepSpacing.self) ?? c.timestepSpacing
        c.stepsOffset = try integer("steps_offset") ?? c.stepsOffset
        c.rescaleBetasZeroSnr = try flag("rescale_betas_zero_snr") ?? c.rescaleBetasZeroSnr

        if let algorithm = try text("algorithm_type"), algorithm != "dpmsolver++", algorithm != "deis" {
            throw fail("algorithm_type \"\(algorithm)\" is not supported: only dpmsolver++ is implemented")
        }
        for unsupported in ["use_exponential_sigmas", "use_beta_sigmas", "use_lu_lambdas", "use_flow_sigmas", "use_dynamic_shifting"]
        where try flag(unsupported) == true {
            throw fail("\(unsupported) is not supported by this DPM-Solver++")
        }
        if let variance = try text("variance_type") { throw fail("variance_type \"\(variance)\" (a learned variance) is not supported") }
        guard (1...2).contains(c.solverOrder) else { throw fail("solver_order \(c.solverOrder) is not supported (1 or 2)") }
        try c.validate(source: source)
        self = c
    }

    /// Ranges a run needs; the same checks whether the values came from a file or from code.
    public func validate(source: String = "scheduler configuration") throws {
        func fail(_ why: String) -> SchedulerError { .invalidConfiguration("\(source): \(why)") }
        guard (2...100_000).contains(numTrainTimesteps) else { throw fail("num_train_timesteps must be 2...100000, got \(numTrainTimesteps)") }
        guard betaStart.isFinite, betaEnd.isFinite, betaStart >= 0, betaEnd < 1, betaStart <= betaEnd else {
            throw fail("betas need 0 <= beta_start <= beta_end < 1, got \(betaStart) and \(betaEnd)")
        }
        guard (1...2).contains(solverOrder) else { throw fail("solver_order \(solverOrder) is not supported (1 or 2)") }
        guard dynamicThresholdingRatio > 0, dynamicThresholdingRatio <= 1 else { throw fail("dynamic_thresholding_ratio must be in (0, 1]") }
        guard sampleMaxValue.isFinite, sampleMaxValue >= 1 else { throw fail("sample_max_value must be at least 1") }
        guard !lambdaMinClipped.isNaN else { throw fail("lambda_min_clipped must be a number") }
        guard (0...numTrainTimesteps).contains(stepsOffset) else { throw fail("steps_offset must be 0...\(numTrainTimesteps)") }
    }
}
