import Foundation

/// Which scheduler a render samples with: DDIM (the paper's, the default) or DPM-Solver++ (2M), optionally on
/// Karras sigmas. Both are built from the checkpoint's `scheduler_config.json`.
public struct SamplerChoice: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case ddim
        case dpmSolverMultistep = "dpm++2m"
    }

    public let kind: Kind
    /// Karras sigma spacing (`use_karras_sigmas`); DPM-Solver++ only.
    public let karras: Bool

    public static let ddim = SamplerChoice(kind: .ddim)

    /// Karras sigmas with DDIM is a programming error (diffusers' DDIM has no such setting); `init(name:karras:)`
    /// reports it as an input error instead.
    public init(kind: Kind, karras: Bool = false) {
        precondition(!karras || kind == .dpmSolverMultistep, "Karras sigmas apply to DPM-Solver++ only")
        self.kind = kind
        self.karras = karras
    }

    /// Parses the command-line names `ddim` and `dpm++2m`.
    public init(name: String, karras: Bool) throws {
        guard let kind = Kind(rawValue: name) else {
            throw SchedulerError.invalidConfiguration("unknown sampler '\(name)': use \(Kind.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        guard !karras || kind == .dpmSolverMultistep else {
            throw SchedulerError.invalidConfiguration("Karras sigmas apply to dpm++2m only, not to \(name)")
        }
        self.init(kind: kind, karras: karras)
    }

    /// The scheduler for a checkpoint's scheduler_config.json: DDIM as the file says, or DPM-Solver++ as
    /// `DPMSolverMultistepScheduler.from_config(config, algorithm_type="dpmsolver++", solver_order=2)` builds it
    /// (with `use_karras_sigmas` set when asked).
    public func scheduler(configurationFile url: URL) throws -> any Scheduler {
        switch kind {
        case .ddim:
            return try DDIMScheduler(configuration: DDIMConfiguration.load(from: url))
        case .dpmSolverMultistep:
            var configuration = try DPMSolverConfiguration.load(from: url)
            if karras { configuration.useKarrasSigmas = true }
            return try DPMSolverMultistepScheduler(configuration: configuration)
        }
    }

    /// The command-line name, with "(karras)" when Karras sigmas are on.
    public var name: String { kind.rawValue + (karras ? " (karras)" : "") }
}
