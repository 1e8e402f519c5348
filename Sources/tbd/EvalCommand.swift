import ArgumentParser
import Evaluation
import FileAccess
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score rendered clips with the paper's metrics, computed as their reference code computes them.",
        discussion: """
            PSNR and SSIM equal scikit-image's, CPBD the cpbd package's, LPIPS lpips's, FID pytorch-fid's and SyncNet \
            confidence syncnet_python's (docs/evaluation.md). A clip is a video file or a folder of PNG frames, taken \
            in the order of their names.
            """,
        subcommands: [Video.self, ClipSet.self, Renders.self, Ablation.self, Compare.self])
}

/// `--metrics` read once for both subcommands: the list rule, then the metric names.
struct MetricsOption: ParsableArguments {
    @Option(name: .long, help: "Metrics, comma-separated or repeated: psnr, ssim, cpbd (the default three), lpips, fid, fvd, syncnet (these four need converted weights: --weights; syncnet also the face detector's, $TBD_FACE_WEIGHTS).")
    var metrics: [String] = []
    @Option(name: .long, help: "The folder scripts/convert-eval-weights.py wrote (default: $TBD_EVAL_WEIGHTS, else ~/.cache/tbd/eval-weights).")
    var weights: String?

    /// The networks the chosen metrics need; a missing weight file is refused here, naming it.
    func networks(for chosen: [EvaluationMetric]) throws -> EvaluationNetworks {
        guard chosen.contains(where: \.needsNetwork) else { return .none }
        return try EvaluationNetworks(metrics: chosen, weights: EvaluationWeights(folder: weights.map { URL(fileURLWithPath: $0) }))
    }

    func chosen() throws -> [EvaluationMetric] {
        guard let names = try ListOption.items(metrics, option: "--metrics") else { return EvaluationMetric.defaults }
        do {
            return try EvaluationMetric.parse(names)
        } catch let error as EvaluationError {
            throw ValidationError(error.description)
        }
    }

    /// Refuses a comparison without the clip to compare with.
    func check(reference: String?, option: String) throws {
        let compared = try chosen().filter(\.needsReference)
        if reference == nil, !compared.isEmpty {
            throw ValidationError(
                "\(compared.map(\.rawValue).joined(separator: " and ")) compare with the ground truth: give \(option) (cpbd and syncnet need none)")
        }
    }
}

extension EvalCommand {
    struct Video: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score one generated clip against its ground truth.",
            discussion: """
                Frames are paired by index, the first min(n, m) of each, and both counts are reported. A ground-truth \
                frame of another size is resized to the generated size with libswscale (area averaging when \
                shrinking, bicubic when enlarging). PSNR and SSIM are the means over the paired frames, CPBD the \
                mean over every generated frame. FVD compares the I3D features of the clip's consecutive 16-frame \
                windows of paired frames (at least two windows: 32 frames). Identical frames have an infinite PSNR: printed as inf, and in JSON \
                as null with the metric listed under infinite_metrics. syncnet judges the generated clip alone, its \
                face track (the detector on every frame, crops as syncnet_python makes them) against its own speech \
                (a video's soundtrack, or audio.wav inside a folder of PNG frames), at 25 frames per second: the \
                confidence, with the offset in frames and the minimum distance beside it (JSON: syncnet).
                """)

        @Argument(help: "The generated clip: a video file or a folder of PNG frames.")
        var generated: String
        @Option(name: .long, help: "The ground-truth clip: a video file or a folder of PNG frames (not needed for cpbd and syncnet).")
        var reference: String?
        @OptionGroup var metrics: MetricsOption
        @OptionGroup var output: JSONOption

        func validate() throws {
            try metrics.check(reference: reference, option: "--reference")
        }

        func run() throws {
            let chosen = try metrics.chosen()
            let clip = try VideoEvaluation.evaluate(
                generated: try ClipFrames(path: generated), reference: try reference.map { try ClipFrames(path: $0) },
                metrics: chosen, networks: try metrics.networks(for: chosen))
            if output.json {
                try printJSON(clip)
                return
            }
            for (metric, value) in clip.metrics.entries {
                print("\(metric.rawValue) \(SetEvaluationMarkdown.format(value, metric))\(metric == .psnr ? " dB" : "")")
            }
            if let sync = clip.syncnet {
                print("syncnet offset \(sync.offset) frames, minimum distance \(String(format: "%.3f", sync.minimumDistance)) (\(sync.windows) windows)")
            }
            print(Self.framesLine(clip))
        }

        static func framesLine(_ clip: ClipEvaluation) -> String {
            guard let referenceFrames = clip.referenceFrames else { return "frames: \(clip.generatedFrames) generated (\(clip.size))" }
            let resized = clip.referenceResizedFrom.map { "; ground truth resized from \($0) to \(clip.size)" } ?? ""
            return "frames: \(clip.frames) paired (generated \(clip.generatedFrames), ground truth \(referenceFrames))\(resized)"
        }
    }

    struct ClipSet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Score every generated clip against the ground-truth clip of the same name.",
            discussion: """
                Each folder holds clips (video files, named without their extension, or folders of PNG frames); \
                they are paired by name, and a clip without its counterpart is refused. Each clip is scored as \
                `tbd eval video` scores it; the set's value of a metric is the mean over clips, with a 95 % \
                percentile-bootstrap interval over clips (1,000 resamples, seed 0), except FID and FVD: the set's \
                FID compares the Inception features of all paired frames, its FVD the I3D features of all clips' \
                16-frame windows.
                """)

        @Option(name: .long, help: "The folder of generated clips.")
        var generated: String
        @Option(name: .long, help: "The folder of ground-truth clips (not needed for cpbd and syncnet).")
        var reference: String?
        @OptionGroup var metrics: MetricsOption
        @Option(name: .long, help: "Also write the results as a Markdown report to this file.")
        var report: String?
        @OptionGroup var output: JSONOption

        func validate() throws {
            try metrics.check(reference: reference, option: "--reference")
        }

        func run() throws {
            let chosen = try metrics.chosen()
            let set = try SetEvaluation.evaluate(generated: generated, reference: reference, metrics: chosen,
                                                 networks: try metrics.networks(for: chosen))
            // Written only once every clip is scored, and atomically: a failure leaves no report behind.
            if let report { try OutputFile.write(Data(SetEvaluationMarkdown.render(set).utf8), to: report) }
            if output.json {
                try printJSON(set)
                return
            }
            for (metric, value) in set.means.entries {
                let interval = set.intervals[metric].map {
                    " (95 % interval \(SetEvaluationMarkdown.format($0.lower, metric)) to \(SetEvaluationMarkdown.format($0.upper, metric)))"
                } ?? ""
                print("\(metric.rawValue) \(SetEvaluationMarkdown.format(value, metric))\(metric == .psnr ? " dB" : "")\(interval)")
            }
            print("clips: \(set.clips.count)\(report.map { "; report: \($0)" } ?? "")")
        }
    }
}
