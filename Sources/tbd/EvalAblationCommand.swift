import AnnotationRecord
import ArgumentParser
import Evaluation
import EvaluationJobs
import FileAccess
import Foundation
import MediaIO
import Renderer
import RenderingJobs
import SafeText

extension EvalCommand {
    struct Ablation: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render and score Table 2's six rows (label, describe, cot prompts; progressive guidance on and off) on chosen units.",
            discussion: """
                Each unit is rendered six times with one seed: with the prompts of each annotation mode (its own \
                annotation, else the store's annotation of the same clip in that mode, else the offline reasoner's), \
                with progressive guidance on (coarse to fine) and off (the fine prompt at every step). Each clip is \
                scored against the unit's clip. Writes OUT/table2.md, OUT/table2.json and OUT/table2.png; renders go \
                to OUT/renders and scores to OUT/evaluations, so a rerun after a kill continues where it stopped.
                """)

        @OptionGroup var store: StoreOptions
        @Option(name: .long, help: "Batch unit keys, comma-separated or repeated (mead/M003/happy/1).")
        var units: [String] = []
        @Option(name: .long, help: "This many of the store's finished units, spread evenly over them in key order.")
        var sample: Int?
        @Option(name: .long, help: "A talking-head checkpoint folder, or a diffusers Stable Diffusion 1.5-family folder.")
        var model: String
        @Option(name: .long, help: "Output folder.")
        var out: String
        @Option(name: .long, help: "Denoising steps.")
        var steps = 40
        @Option(name: .long, help: "Seed, the same for every row.")
        var seed: UInt64 = 0
        @Option(name: .long, help: "Fraction of the steps guided by the coarse prompt (rows with progressive guidance).")
        var split = 0.4
        @OptionGroup var blend: BlendOption
        @OptionGroup var samplerOptions: SamplerOptions
        @Option(name: .long, help: "Classifier-free guidance scale.")
        var cfg: Float = 3.5
        @Option(name: .long, help: "Frames per clip without speech (a talking-head clip with speech has as many as its speech lasts).")
        var frames = 16
        @Option(name: .long, help: "Frames per second.")
        var fps = 25
        @Option(name: .long, help: "Talking head: frames the denoiser sees at once.")
        var window = WindowPlan.defaultWindow
        @Option(name: .long, help: "Frame width and height in pixels (default: the checkpoint's).")
        var size: Int?
        @Option(name: .long, help: "Frame the reference: face (a talking head's default) or none.")
        var crop: ReferenceCrop?
        @OptionGroup var metrics: MetricsOption
        @OptionGroup var output: JSONOption

        func validate() throws {
            guard units.isEmpty != (sample == nil) else { throw ValidationError("give --units KEY,... or --sample N") }
            if let sample, sample < 1 { throw ValidationError("--sample must be at least 1, not \(sample)") }
        }

        func run() throws {
            let chosen = try metrics.chosen()
            var render = RenderSettings(modelPath: model, outputFolder: out)
            render.steps = steps
            render.seed = seed
            render.split = split
            render.blend = blend.mode
            render.sampler = try samplerOptions.choice()
            render.guidanceScale = cfg
            render.frames = frames
            render.fps = fps
            render.window = window
            render.size = size
            render.crop = crop
            var settings = AblationJob.Settings(render: render, metrics: chosen)
            settings.units = try ListOption.items(units, option: "--units")
            settings.sample = sample
            let outFolder = URL(fileURLWithPath: out)
            let job = try AblationJob(settings: settings, store: try store.openExisting(), outputFolder: outFolder,
                                      networks: try metrics.networks(for: chosen))
            let cancellation = InterruptFlag.install()
            var bar: ProgressLine?
            let started = Date()
            let table: AblationTable
            do {
                table = try job.run(shouldStop: { cancellation.isSet }) { event in
                    switch event {
                    case .prompts(let unit, let mode, let source):
                        FileHandle.standardError.write(Data(TerminalText.sanitize("\(unit) \(mode.rawValue): prompts from \(source)").utf8 + Data("\n".utf8)))
                    case .render(.started(let index, let count, let name)):
                        // The rows share one clip length, so the clips done so far give the pace of the rest.
                        let elapsed = Date().timeIntervalSince(started)
                        let left = index > 0 ? " (about \(ProgressLine.duration(elapsed / Double(index) * Double(count - index))) left)" : ""
                        bar = ProgressLine(label: "render [\(index + 1)/\(count)] \(name)\(left)", quiet: false)
                    case .render(.progress(let progress)):
                        bar?.show(progress)
                    case .render(.finished):
                        bar?.finish()
                        bar = nil
                    case .render(.skipped(let name, _)):
                        FileHandle.standardError.write(Data("render \(name): already rendered, skipped\n".utf8))
                    case .render(.notice(let text)):
                        FileHandle.standardError.write(Data("note: \(text)\n".utf8))
                    case .scored(let progress):
                        EvalProgressLine.show(progress)
                    }
                }
            } catch RenderJobError.interrupted(let name) {
                bar?.finish()
                FileHandle.standardError.write(Data("interrupted: \(name) stopped; finished renders, windows and scores are kept. Run the same command again to resume.\n".utf8))
                throw ExitCode(130)
            }
            let markdown = outFolder.appendingPathComponent("table2.md").path
            try OutputFile.write(Data(AblationTableMarkdown.render(table).utf8), to: markdown)
            try OutputFile.write(try ProjectJSON.encoder(pretty: true).encode(table), to: outFolder.appendingPathComponent("table2.json").path)
            try OutputFile.write(try ImageEncoding.png(table.chart()), to: outFolder.appendingPathComponent("table2.png").path)
            if output.json { return try printJSON(table) }
            // The prompts are model output: shown inert.
            print(TerminalText.sanitize(AblationTableMarkdown.render(table), keepNewlines: true), terminator: "")
            print("table2.md: \(markdown)")
        }
    }
}
