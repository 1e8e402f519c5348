import ArgumentParser
import Foundation
import MediaIO
import Renderer
import ReviewQueue

extension RenderCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Render prompt pairs to MP4 clips with progressive-guidance sampling, DDIM or DPM-Solver++ (the default subcommand).",
            discussion: """
                Pairs come from the review store (--approved, or --id N), a review-queue export (--pairs \
                export.jsonl) or --coarse/--fine. Each pair becomes aID-rREV-sSEED.mp4, .png (first frame), \
                -sheet.png (contact sheet) and .json (what was rendered, with timings) in --out. With the store \
                (--approved, --id, or --db with --pairs) every render is recorded there: parameters, seed, model \
                path and fingerprint, outputs, timings, status. A pair already rendered with the same parameters \
                (a done render in the store, or a matching .json without a store) is skipped, so an interrupted \
                run resumes. Ctrl-C stops between denoising steps and leaves no partial file. Frames \
                are sampled independently (no motion module): with a reference frame and a strength below 1 they \
                are variations of it. Random-weight checkpoints (tbd model init-random) draw noise, not faces.
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
        @Option(name: .long, help: "A diffusers Stable Diffusion 1.5-family folder.")
        var model: String
        @Option(name: .long, help: "Output folder.")
        var out: String
        @Option(name: .long, help: "Denoising steps.")
        var steps = 40
        @Option(name: .long, help: "Fraction of the steps guided by the coarse prompt.")
        var split = 0.4
        @Option(name: .long, help: "Progressive blending: paper, smooth or hard.")
        var blend = "paper"
        @OptionGroup var alpha: AlphaBoundsOptions
        @OptionGroup var samplerOptions: SamplerOptions
        @Option(name: .long, help: "Classifier-free guidance scale.")
        var cfg: Float = 3.5
        @Option(name: .long, help: "Seed of the first frame's noise (frame f uses seed + f).")
        var seed: UInt64 = 0
        @Option(name: .long, help: "Initial latents from a safetensors file (tensor \"noise\", [frames or 1, 4, h, w]) instead of the seed.")
        var noise: String?
        @Option(name: .long, help: "Frames per clip.")
        var frames = 16
        @Option(name: .long, help: "Frames per second.")
        var fps = 25
        @Option(name: .long, help: "Frame width and height in pixels (default: the checkpoint's, 512 for SD1.5).")
        var size: Int?
        @Option(name: .long, help: "Reference frame: auto (the first frame of the pair's source clip) or an image/video path.")
        var reference: String?
        @Option(name: .long, help: "With a reference: how far it is noised (1 ignores it, 0.6 keeps its layout).")
        var strength: Float = 0.6
        @Option(name: .long, help: "Audio to mux in: auto (the pair's source clip) or a media file path.")
        var audio: String?
        @Option(name: .long, help: "Review database for --approved/--id, and to record renders of --pairs (default with --approved/--id: $TBD_DB, else data/tbd.sqlite).")
        var db: String?
        @OptionGroup var output: JSONOption

        func run() throws {
            guard let mode = ProgressiveGuidanceSchedule.Mode(rawValue: blend) else {
                throw CLIError("--blend must be paper, smooth or hard, not \(blend)")
            }
            guard steps > 0, frames > 0, (1...240).contains(fps), split > 0, split < 1, strength > 0, strength <= 1 else {
                throw CLIError("--steps and --frames must be positive, --fps 1-240, --split in (0, 1), --strength in (0, 1]")
            }
            let bounds = try alpha.bounds(for: mode)
            let sampler = try samplerOptions.choice()
            let store = try openStore()
            var work = try loadPairs(store: store)
            if let emotion { work = work.filter { $0.emotion?.lowercased() == emotion.lowercased() } }
            if let limit { work = Array(work.prefix(max(0, limit))) }
            let initialNoise = try noise.map { path -> Tensor in
                do { return try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path)).tensor(named: "noise") } catch {
                    throw CLIError("cannot read the initial noise from \(path): \(error)")
                }
            }
            let loaded: StableDiffusionModel
            do { loaded = try StableDiffusionModel(directory: URL(fileURLWithPath: model), sampler: sampler) } catch {
                throw CLIError("cannot load the model from \(model): \(error)")
            }
            let renderer = ClipRenderer(model: loaded)
            let modelHash = store == nil ? nil : try? ModelFingerprint.hex(of: URL(fileURLWithPath: model))
            let directory = URL(fileURLWithPath: out)
            let cancellation = InterruptFlag.install()
            var views = [RenderedPairView]()
            for (index, pair) in work.enumerated() {
                var request = ClipRequest(prompts: [pair.coarsePrompt, pair.finePrompt])
                request.frames = frames
                request.fps = fps
                request.seed = seed
                request.initialNoise = initialNoise
                request.sampling.steps = steps
                request.sampling.splits = [split]
                request.sampling.mode = mode
                request.sampling.alphaMax = bounds.max
                request.sampling.alphaMin = bounds.min
                request.sampling.guidanceScale = cfg
                request.width = size
                request.height = size
                let referencePath = try resolve(reference, for: pair, what: "reference")
                if let referencePath {
                    request.reference = try loadReference(referencePath)
                    request.sampling.strength = strength
                }
                request.audioPath = try resolve(audio, for: pair, what: "audio")
                let name = "a\(pair.annotationID)-r\(pair.revision)-s\(seed)"
                let manifest = RenderManifest(annotationId: pair.annotationID, revision: pair.revision,
                                              coarsePrompt: pair.coarsePrompt, finePrompt: pair.finePrompt, model: URL(fileURLWithPath: model).path,
                                              steps: steps, split: split, blend: blend, alphaMax: bounds.max, alphaMin: bounds.min,
                                              sampler: sampler.name, cfg: cfg, seed: seed, noise: noise,
                                              frames: frames, fps: fps, size: size ?? loaded.defaultImageSize,
                                              reference: referencePath, strength: referencePath == nil ? 1 : strength, audio: request.audioPath)
                let manifestURL = directory.appendingPathComponent(name + ".json")
                let parametersJSON = try Self.canonicalJSON(manifest)
                let videoExists = FileManager.default.fileExists(atPath: directory.appendingPathComponent(name + ".mp4").path)
                if let store, videoExists, try storeFailure({
                    try store.renders(annotationID: pair.annotationID, status: .done)
                        .contains { $0.revision == pair.revision && $0.parametersJSON == parametersJSON }
                }), let previous = try? JSONDecoder().decode(RenderManifestFile.self, from: Data(contentsOf: manifestURL)) {
                    views.append(RenderedPairView(name: name, status: "skipped", result: previous.result))
                    if !output.json { print("\(name): already rendered (recorded in the store), skipped") }
                    continue
                }
                if store == nil, let previous = try? JSONDecoder().decode(RenderManifestFile.self, from: Data(contentsOf: manifestURL)),
                   previous.parameters == manifest,
                   FileManager.default.fileExists(atPath: directory.appendingPathComponent(name + ".mp4").path) {
                    views.append(RenderedPairView(name: name, status: "skipped", result: previous.result))
                    if !output.json { print("\(name): already rendered, skipped") }
                    continue
                }
                let renderID = try store.map { store in
                    try storeFailure {
                        let id = try store.addRender(NewRender(annotationID: pair.annotationID, revision: pair.revision,
                                                               parametersJSON: parametersJSON, seed: Int64(bitPattern: seed),
                                                               modelPath: URL(fileURLWithPath: model).path, modelHash: modelHash))
                        try store.updateRender(id: id, status: .running)
                        return id
                    }
                }
                func recordFailure(_ reason: String) {
                    if let store, let renderID { try? store.updateRender(id: renderID, status: .failed, error: reason) }
                }
                let bar = ProgressLine(label: "[\(index + 1)/\(work.count)] \(name)", quiet: output.json)
                let result: ClipResult
                do {
                    result = try renderer.render(request, directory: directory, name: name) { progress in
                        if cancellation.isSet { throw RenderError.cancelled }
                        bar.show(progress)
                    }
                    bar.finish()
                } catch RenderError.cancelled {
                    bar.finish()
                    recordFailure("interrupted")
                    throw CLIError("interrupted: \(name) was not written; finished clips are kept and a re-run resumes")
                } catch {
                    bar.finish()
                    recordFailure("\(error)")
                    throw CLIError("rendering \(name) failed: \(error)")
                }
                let record = RenderManifestFile(parameters: manifest, result: result)
                do {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    try encoder.encode(record).write(to: manifestURL, options: .atomic)
                } catch {
                    throw CLIError("cannot write \(manifestURL.path): \(error)")
                }
                if let store, let renderID {
                    let outputs = try Self.canonicalJSON([result.videoPath, result.firstFramePath, result.contactSheetPath, manifestURL.path])
                    let timings = try Self.canonicalJSON(["seconds": result.seconds, "seconds_per_frame": result.secondsPerFrame])
                    try storeFailure { try store.updateRender(id: renderID, status: .done, outputsJSON: outputs, timingsJSON: timings) }
                }
                views.append(RenderedPairView(name: name, status: "rendered", result: result))
                if !output.json {
                    print("\(name): \(result.frames) frames \(result.width)x\(result.height) (\(result.codec)) in \(String(format: "%.1f", result.seconds)) s -> \(result.videoPath)")
                }
            }
            if output.json { try printJSON(views) }
        }

        /// The store with --approved or --id (default path), or with --db given explicitly.
        private func openStore() throws -> ReviewStore? {
            guard approved || annotationID != nil || db != nil else { return nil }
            let path = db ?? ProcessInfo.processInfo.environment["TBD_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/tbd.sqlite"
            guard FileManager.default.fileExists(atPath: path) else { throw CLIError("no review database at \(path)") }
            return try storeFailure { try ReviewStore(path: path) }
        }

        private func loadPairs(store: ReviewStore?) throws -> [PromptPair] {
            let sources = [approved || annotationID != nil, pairs != nil, coarse != nil || fine != nil].filter { $0 }.count
            guard sources == 1 else {
                throw CLIError("give one source: --approved or --id N (the store), --pairs FILE, or --coarse and --fine")
            }
            if let store, approved || annotationID != nil {
                var found = [PromptPair]()
                try storeFailure {
                    try ReviewExporter(store: store).forEachRecord(status: annotationID == nil ? .approved : nil, unit: .subject) { record in
                        guard annotationID == nil || record.annotationID == annotationID else { return }
                        found.append(PromptPair(annotationID: record.annotationID, revision: record.revision,
                                                coarsePrompt: record.coarsePrompt, finePrompt: record.finePrompt,
                                                emotion: record.emotion, sourcePath: record.sourcePath))
                    }
                }
                if let annotationID, found.isEmpty { throw CLIError("the review store has no annotation \(annotationID)") }
                return found
            }
            if let path = pairs {
                do { return try PromptPair.readJSONL(URL(fileURLWithPath: path)) } catch { throw CLIError("\(error)") }
            }
            guard let coarse, let fine else { throw CLIError("--coarse and --fine go together") }
            return [PromptPair(annotationID: 0, revision: 1, coarsePrompt: coarse, finePrompt: fine)]
        }

        /// Store errors as CLI errors that name the database problem.
        private func storeFailure<Value>(_ body: () throws -> Value) throws -> Value {
            do { return try body() } catch let error as CLIError { throw error } catch {
                throw CLIError("review store: \(error)")
            }
        }

        /// Sorted-key JSON, so equal parameters give equal strings in the store.
        static func canonicalJSON<Value: Encodable>(_ value: Value) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }

        /// nil, "auto" (the pair's source clip when it exists; for a folder such as a MEAD unit, its first media
        /// file in name order) or a path that must exist.
        private func resolve(_ option: String?, for pair: PromptPair, what: String) throws -> String? {
            guard let option else { return nil }
            if option == "auto" {
                var isDirectory: ObjCBool = false
                guard let source = pair.sourcePath, FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else { return nil }
                guard isDirectory.boolValue else { return source }
                let media = ["mp4", "avi", "mov", "mkv", "webm", "jpg", "jpeg", "png"]
                let files = (try? FileManager.default.contentsOfDirectory(atPath: source))?.sorted() ?? []
                return files.first { media.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
                    .map { URL(fileURLWithPath: source).appendingPathComponent($0).path }
            }
            guard FileManager.default.fileExists(atPath: option) else { throw CLIError("the \(what) file \(option) does not exist") }
            return option
        }

        private func loadReference(_ path: String) throws -> RGBImage {
            do { return try FrameReader.readFrame(path: path, choice: .first) } catch {
                throw CLIError("cannot read a reference frame from \(path): \(error)")
            }
        }
    }
}

/// What a clip was rendered from; equal parameters mean a re-run can skip it.
struct RenderManifest: Codable, Equatable {
    let annotationId: Int64
    let revision: Int
    let coarsePrompt: String
    let finePrompt: String
    let model: String
    let steps: Int
    let split: Double
    let blend: String
    let alphaMax: Double
    let alphaMin: Double
    let sampler: String
    let cfg: Float
    let seed: UInt64
    let noise: String?
    let frames: Int
    let fps: Int
    let size: Int
    let reference: String?
    let strength: Float
    let audio: String?
}

struct RenderManifestFile: Codable {
    let parameters: RenderManifest
    let result: ClipResult
}

private struct RenderedPairView: Encodable {
    let name: String
    let status: String
    let result: ClipResult
}
