import ArgumentParser
import Renderer

/// `--blend`: how progressive guidance hands the text condition from one prompt to the next; one name for the
/// one setting in `render`, `render schedule` and `render sample`. `--mode`, the name `schedule` and `sample`
/// used before, is still read (hidden), so existing scripts keep working.
struct BlendOption: ParsableArguments {
    @Option(name: .long, help: "Progressive blending: paper, smooth or hard (default paper).")
    var blend: ProgressiveGuidanceSchedule.Mode?
    @Option(name: .customLong("mode"), help: .hidden)
    var formerName: ProgressiveGuidanceSchedule.Mode?

    func validate() throws {
        if let blend, let formerName, blend != formerName {
            throw ValidationError("--mode is the former name of --blend: give one of them")
        }
    }

    var mode: ProgressiveGuidanceSchedule.Mode { blend ?? formerName ?? .paper }
}
