import ArgumentParser
import Renderer

/// `--alpha-max` / `--alpha-min`: the paper's alpha bounds for the `paper` blend (Algorithm 1), shared by
/// `render`, `render schedule` and `render sample`.
struct AlphaBoundsOptions: ParsableArguments {
    @Option(name: .long, help: "paper mode: alpha at the start of each stage (default 1.0; 0 <= alpha-min <= alpha-max <= 1).")
    var alphaMax: Double?
    @Option(name: .long, help: "paper mode: the alpha each stage approaches at its end (default 0.5).")
    var alphaMin: Double?

    /// The bounds to use with `mode`; given with another mode they would be silently ignored, so that is an error.
    func bounds(for mode: ProgressiveGuidanceSchedule.Mode) throws -> (max: Double, min: Double) {
        if mode != .paper, alphaMax != nil || alphaMin != nil {
            throw CLIError("--alpha-max and --alpha-min apply to the paper blend only, not to \(mode.rawValue)")
        }
        let high = alphaMax ?? ProgressiveGuidanceSchedule.defaultAlphaMax
        let low = alphaMin ?? ProgressiveGuidanceSchedule.defaultAlphaMin
        guard high.isFinite, low.isFinite, low >= 0, high <= 1, low <= high else {
            throw CLIError("--alpha-min and --alpha-max need 0 <= alpha-min <= alpha-max <= 1, got \(low) and \(high)")
        }
        return (high, low)
    }
}
