import ArgumentParser
import FileAccess
import Foundation
import MediaIO
import Renderer

extension RenderCommand {
    struct Schedule: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the weight of each stage's prompt embedding at every sampling step.",
            discussion: """
                Steps count from the start of denoising (step 0 is the noisiest); weights are one per stage, coarse \
                first, and sum to 1. Stages start at round(split x steps). Blends (--blend): paper (the paper's Algorithms 1-2: \
                each stage blends its prompt, weight alpha = alpha-max - p (alpha-max - alpha-min) with p the position \
                in the stage, with the next stage's, the last stage with the previous one's), smooth (a blend by \
                progress inside the stage towards the next prompt, no jump), hard (a plain switch). --plot draws the \
                curves (one colour per stage: blue, orange, green, red, purple) with the stage boundaries marked. See docs/renderer.md.
                """)

        @Option(name: .long, help: "Sampling steps.")
        var steps: Int
        @Option(name: .long, help: "Split fractions in (0, 1), increasing, comma-separated; k = count + 1 stages.")
        var split = "0.4"
        @OptionGroup var blend: BlendOption
        @OptionGroup var alpha: AlphaBoundsOptions
        @Option(name: .long, help: "A scheduler_config.json for the timestep column (default: SD1.5's DDIM).")
        var schedulerConfig: String?
        @Option(name: .long, help: "Also draw the weights against the step as a PNG picture here.")
        var plot: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            let blending = blend.mode
            let fractions = try split.split(separator: ",").map { part -> Double in
                guard let value = Double(part.trimmingCharacters(in: .whitespaces)) else {
                    throw CLIError("'\(part)' is not a number in --split \(split)")
                }
                return value
            }
            let bounds = try alpha.bounds(for: blending)
            let schedule = try ProgressiveGuidanceSchedule(
                stepCount: steps, splits: fractions, mode: blending, alphaMax: bounds.max, alphaMin: bounds.min)
            let config = try schedulerConfig.map { try DDIMConfiguration.load(from: URL(fileURLWithPath: $0)) } ?? .stableDiffusion15
            var scheduler = try DDIMScheduler(configuration: config)
            try scheduler.setTimesteps(steps)
            if let plot {
                do {
                    try OutputFile.write(ImageEncoding.png(ScheduleChart(schedule: schedule).image), to: plot)
                } catch where !(error is OutputFileError) {
                    // An OutputFileError names the file already.
                    throw CLIError("cannot write the plot to \(plot): \(error)")
                }
            }
            let rows = (0..<steps).map { step in
                ScheduleRow(step: step, timestep: scheduler.timesteps[step], weights: schedule.weights(atStep: step))
            }
            if output.json {
                try printJSON(ScheduleView(steps: rows))
                return
            }
            let stages = (1...schedule.stageCount).map { "stage \($0)" }
            print((["step", "timestep"] + stages).map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined(separator: " "))
            for row in rows {
                let cells = [String(row.step), String(row.timestep)] + row.weights.map { String(format: "%.4f", $0) }
                print(cells.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined(separator: " "))
            }
        }
    }
}

private struct ScheduleRow: Encodable {
    let step: Int
    let timestep: Int
    let weights: [Double]
}

private struct ScheduleView: Encodable {
    let steps: [ScheduleRow]
}
