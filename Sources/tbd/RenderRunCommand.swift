import ArgumentParser
import Foundation
import Renderer
import RenderingJobs
import SafeText
import Store
import Tensors

extension RenderCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Render prompt pairs to talking-head MP4 clips with progressive-guidance sampling, DDIM or DPM-Solver++ (the default subcommand).",
            discussion: """
                Pairs come from the review store (--approved, or --id N), a review-queue export (--pairs \
                export.jsonl) or --coarse/--fine. Each pair becomes aID-rREV-HASH.mp4 (HASH: of every setting and of the content of the model, reference and speech files), .png (first frame), \
                -sheet.png (contact sheet) and .json (what was rendered, with timings) in --out. With the store \
                (--approved, --id, or --db with --pairs) every render is recorded there: parameters, seed, model \
                path and fingerprint, outputs, timings, status. A pair already rendered with the same parameters \
                (a done render in the store, or a matching .json without a store) is skipped, so an interrupted \
                run resumes. Ctrl-C stops between denoising steps (exit status 130): no clip file is left half-written, and the finished windows (frames) are kept, checked by their checksums, for the next run.

                With a talking-head checkpoint (tbd model init-random --config talking-tiny|talking-sd15, or \
                scripts/convert-hallo.py) each clip is driven by speech: --audio auto takes the pair's own (its \
                clip's audio track, or the MEAD unit's ACTOR/audio/.../NNN.m4a), and the clip has ceil(seconds x \
                fps) frames, rendered in windows of --window frames with --motion-frames carried between them. The \
                ReferenceNet holds the identity of --reference (auto: the pair's reference frame). Each finished \
                window is kept, so a killed render resumes at the next window. With an image checkpoint (a \
                diffusers SD1.5 folder) frames are sampled independently (no motion, no lip sync): with a reference \
                frame and a strength below 1 they are variations of it. Random-weight checkpoints draw noise, not faces.
                """)

        @Flag(name: .long, help: "Render the approved annotations of the review store.")
        var approved = false
        @Option(name: .customLong("id"), help: "Render this annotation of the review store (its current revision).")
        var annotationID: Int64?
        @Option(name: .long, help: "A review-queue JSONL export of approved pairs.")
        var pairs: String?
        @Option(name: .long, help: "A coarse prompt to render (with --fine) instead of --pairs.")
        var coarse: String?
        @Option(name: .long, help: "The fine prompt that goes with --coarse.")
        var fine: String?
        @Option(name: .long, help: "Only pairs of this emotion.")
        var emotion: String?
        @Option(name: .long, help: "Render at most N pairs.")
        var limit: Int?
        @Option(name: .long, help: "A talking-head checkpoint folder, or a diffusers Stable Diffusion 1.5-family folder.")
        var model: String
        @Option(name: .long, help: "Output folder.")
        var out: String
        @Option(name: .long, help: "Denoising steps.")
        var steps = 40
        @Option(name: .long, help: "Fraction of the steps guided by the coarse prompt.")
        var split = 0.4
        @OptionGroup var blend: BlendOption
        @OptionGroup var alpha: AlphaBoundsOptions
        @OptionGroup var samplerOptions: SamplerOptions
        @Option(name: .long, help: "Classifier-free guidance scale.")
        var cfg: Float = 3.5
        @Option(name: .long, help: "The denoiser's numbers: f32, or bf16 (BF16 weights, Float32 sums; on AVX512-BF16, elsewhere BF16-rounded weights in Float32).")
        var precision: WeightPrecision = .f32
        @Option(name: .long, help: "Seed of the first frame's noise (frame f uses seed + f).")
        var seed: UInt64 = 0
        @Option(name: .long, help: "Initial latents from a safetensors file (tensor \"noise\", [frames or 1, 4, h, w]) instead of the seed.")
        var noise: String?
        @Option(name: .long, help: "Frames per clip (a talking-head clip with speech has as many as its speech lasts).")
        var frames = 16
        @Option(name: .long, help: "Frames per second.")
        var fps = 25
        @Option(name: .long, help: "Talking head: frames the denoiser sees at once.")
        var window = WindowPlan.defaultWindow
        @Option(name: .customLong("motion-frames"), help: "Talking head: decoded frames carried from one window into the next.")
        var motionFrames = WindowPlan.defaultMotionFrames
        @Option(name: .long, help: "Frame width and height in pixels (default: the checkpoint's, 512 for SD1.5).")
        var size: Int?
        @Option(name: .long, help: "Reference frame: auto (the first frame of the pair's source clip; a talking head's default) or an image/video path.")
        var reference: String?
        @Option(name: .long, help: "Frame the reference: face (a square around its one dominant face, with the talking head's face and lip masks; a talking head's default) or none (the picture as it is; an image checkpoint's default).")
        var crop: ReferenceCrop?
        @Option(name: .long, help: "With a reference: how far it is noised (1 ignores it, 0.6 keeps its layout).")
        var strength: Float = 0.6
        @Option(name: .long, help: "Speech: auto (the pair's own; a talking head's default), none, or a media file path.")
        var audio: String?
        @Option(name: .long, help: "Project database for --approved/--id, and to record renders of --pairs (default with --approved/--id: $TBD_DB, else data/tbd.sqlite).")
        var db: String?
        @Flag(name: .long, help: "Say what would be rendered and about how long it takes (one denoising step is measured), rendering and writing nothing.")
        var dryRun = false
        @Option(name: .long, help: "Render farm: work the store's queue for these settings as worker NAME (with --approved; docs/render-farm.md).")
        var worker: String?
        @Option(name: .long, help: "With --worker: seconds a taken pair stays leased without a renewal (renewed as it renders); a dead worker's pair is taken over after it.")
        var lease: Double = 300
        @Flag(name: .long, help: "With --worker: when the queue is empty, poll it again (every 10 s) instead of exiting; Ctrl-C stops.")
        var wait = false
        @Flag(name: .customLong("retry-failed"), help: "With --worker: put the queue's failed pairs back to waiting first.")
        var retryFailed = false

        @OptionGroup var output: JSONOption

        func validate() throws {
            let sources = [approved || annotationID != nil, pairs != nil, coarse != nil || fine != nil].filter { $0 }.count
            guard sources == 1 else {
                throw ValidationError("give one source: --approved or --id N (the store), --pairs FILE, or --coarse and --fine")
            }
            if (coarse == nil) != (fine == nil) { throw ValidationError("--coarse and --fine go together") }
            if worker != nil {
                guard approved else { throw ValidationError("--worker works the queue of the store's approved pairs: give --approved") }
                if dryRun { throw ValidationError("--worker renders; --dry-run goes without it") }
            } else if wait || retryFailed {
                throw ValidationError("--wait and --retry-failed go with --worker")
            }
        }

        func run() throws {
            var settings = RenderSettings(modelPath: model, outputFolder: out)
            settings.steps = steps
            settings.split = split
            settings.blend = blend.mode
            let bounds = try alpha.bounds(for: blend.mode)
            settings.alphaMax = bounds.max
            settings.alphaMin = bounds.min
            settings.sampler = try samplerOptions.choice()
            settings.guidanceScale = cfg
            settings.precision = precision
            settings.seed = seed
            settings.noisePath = noise
            settings.frames = frames
            settings.fps = fps
            settings.window = window
            settings.motionFrames = motionFrames
            settings.size = size
            settings.reference = reference
            settings.crop = crop
            settings.strength = strength
            settings.audio = audio
            settings.emotion = emotion
            settings.limit = limit
            let source: PairSource =
                if approved { .approved } else if let annotationID { .annotation(annotationID) } else if let pairs { .exportFile(pairs) } else {
                    .prompts(coarse: coarse!, fine: fine!)
                }
            let store = try openStore(needed: source.needsStore)
            if let worker, let store { return try runWorker(worker, settings: settings, store: store) }
            if dryRun {
                let estimates = try RenderJob(source: source, settings: settings, store: store).estimate()
                if output.json { return try printJSON(estimates) }
                for estimate in estimates {
                    print(estimate.alreadyRendered ? "\(estimate.name): already rendered, would be skipped"
                          : "\(estimate.name): \(estimate.frames) frames in \(estimate.windows) window(s) x \(estimate.steps) steps, about \(Self.duration(estimate.estimatedSeconds))")
                }
                let total = estimates.reduce(0) { $0 + $1.estimatedSeconds }
                print("about \(Self.duration(total)) in all on this machine (from one measured denoising step; decoding and muxing not included); nothing was written")
                return
            }
            let cancellation = InterruptFlag.install()
            var bar: ProgressLine?
            do {
                let job = try RenderJob(source: source, settings: settings, store: store)
                let outcomes = try job.run(shouldStop: { cancellation.isSet }) { event in
                    switch event {
                    case .skipped(let name, let recorded):
                        if !output.json { print("\(name): already rendered\(recorded ? " (recorded in the store)" : ""), skipped") }
                    case .started(let index, let count, let name):
                        bar = ProgressLine(label: "[\(index + 1)/\(count)] \(name)", quiet: output.json)
                    case .notice(let text):
                        if !output.json { FileHandle.standardError.write(Data("note: \(text)\n".utf8)) }
                    case .progress(let progress):
                        bar?.show(progress)
                    case .finished(let name, let result):
                        bar?.finish()
                        bar = nil
                        if !output.json {
                            print("\(name): \(result.frames) frames \(result.width)x\(result.height) (\(result.codec)) in \(String(format: "%.1f", result.seconds)) s -> \(result.videoPath)")
                        }
                    }
                }
                if output.json {
                    try printJSON(outcomes)
                } else {
                    let rendered = outcomes.filter { $0.status == .rendered }
                    let seconds = rendered.reduce(0) { $0 + $1.result.seconds }
                    print("\(rendered.count) rendered, \(outcomes.count - rendered.count) already done (skipped), in \(String(format: "%.1f", seconds)) s; clips in \(out)")
                }
            } catch RenderJobError.interrupted(let name) {
                bar?.finish()
                // Like every long command: exit 130, and say how to go on.
                FileHandle.standardError.write(Data("interrupted: \(name) stopped; its finished windows are kept. Run the same command again to resume.\n".utf8))
                throw ExitCode(130)
            } catch {
                // The progress line is ended first, so the error starts a line of its own.
                bar?.finish()
                throw error
            }
        }

        /// `--worker`: the queue's items one by one until it is empty (or, with --wait, until Ctrl-C).
        private func runWorker(_ name: String, settings: RenderSettings, store: ProjectStore) throws {
            let cancellation = InterruptFlag.install()
            let farm = try RenderWorker(settings: settings, store: store, name: name, lease: lease, poll: wait ? 10 : nil, retryFailed: retryFailed)
            var bar: ProgressLine?
            let shown = TerminalText.sanitize(name)
            func say(_ text: String) { if !output.json { print(text) } }
            do {
                let summary = try farm.run(shouldStop: { cancellation.isSet }) { event in
                    switch event {
                    case .queued(let added, let total, let hash):
                        say("\(shown): queue \(hash.prefix(16)): \(added) added, \(total) in all")
                    case .took(let item):
                        say("\(shown): took item \(item.id) (annotation \(item.annotationID) r\(item.revision), attempt \(item.attempts))")
                    case .render(.started(let index, let count, let clip)):
                        bar = ProgressLine(label: "[\(index + 1)/\(count)] \(clip)", quiet: output.json)
                    case .render(.progress(let progress)):
                        bar?.show(progress)
                    case .render(.notice(let text)):
                        if !output.json { FileHandle.standardError.write(Data("note: \(text)\n".utf8)) }
                    case .render(.finished), .render(.skipped):
                        bar?.finish()
                        bar = nil
                    case .done(let item, let outcome):
                        say("\(shown): item \(item.id) \(outcome.status == .rendered ? "rendered" : "was rendered already") -> \(outcome.result.videoPath)")
                    case .failed(let item, let reason):
                        bar?.finish()
                        bar = nil
                        FileHandle.standardError.write(Data("\(shown): item \(item.id) failed: \(TerminalText.sanitize(reason))\n".utf8))
                    case .leaseLost(let item):
                        bar?.finish()
                        bar = nil
                        FileHandle.standardError.write(Data("\(shown): item \(item.id): the lease ran out and another worker has it\n".utf8))
                    case .idle:
                        break
                    }
                }
                if output.json { return try printJSON(summary) }
                say("\(shown): \(summary.rendered) rendered, \(summary.skipped) found done, \(summary.failed) failed, \(summary.leasesLost) lost to an expired lease")
            } catch RenderJobError.interrupted(let clip) {
                bar?.finish()
                FileHandle.standardError.write(Data("interrupted: \(clip) stopped and went back to the queue; its finished windows are kept for whichever worker takes it next.\n".utf8))
                throw ExitCode(130)
            } catch {
                bar?.finish()
                throw error
            }
        }

        /// Seconds as a person reads them: 42 s, 12.5 min, 3.2 h.
        static func duration(_ seconds: Double) -> String {
            seconds < 120 ? String(format: "%.0f s", seconds) : seconds < 7200 ? String(format: "%.1f min", seconds / 60)
                : String(format: "%.1f h", seconds / 3600)
        }

        /// The store with --approved or --id (default path), or with --db given explicitly; it must exist.
        private func openStore(needed: Bool) throws -> ProjectStore? {
            guard needed || db != nil else { return nil }
            // Rendering reads pairs and records renders in an existing store; it never creates one.
            return try StoreOptions.openExisting(path: StoreLocation.path(option: db))
        }
    }
}
