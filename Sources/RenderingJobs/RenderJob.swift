import AnnotationRecord
import ContentHashing
import Foundation
import MediaIO
import FileAccess
import Renderer
import Tensors
import Store

/// Renders prompt pairs to MP4 clips: chooses the pairs, resolves each one's reference and audio, skips what is
/// already rendered with the same parameters, and records every render in the store when there is one, so an
/// interrupted run resumes where it stopped.
public struct RenderJob {
    /// What the job tells its caller as it goes.
    public enum Event {
        case skipped(name: String, recordedInStore: Bool)
        case started(index: Int, count: Int, name: String)
        case progress(RenderProgress)
        case finished(name: String, result: ClipResult)
        /// Something about the whole run the user should know (e.g. a checkpoint without motion modules).
        case notice(String)
    }

    public let source: PairSource
    public let settings: RenderSettings
    public let store: ProjectStore?

    public init(source: PairSource, settings: RenderSettings, store: ProjectStore?) throws {
        try settings.validate()
        if source.needsStore, store == nil { throw RenderJobError.invalidSettings("pairs from the review store need a store") }
        self.source = source
        self.settings = settings
        self.store = store
    }

    /// The pairs this job renders, filtered and limited.
    public func pairs() throws -> [PromptPair] {
        var found: [PromptPair]
        switch source {
        case .approved, .annotation:
            let wanted: Int64? = if case .annotation(let id) = source { id } else { nil }
            found = []
            try storeCall {
                try ReviewExporter(store: store!).forEachRecord(status: wanted == nil ? .approved : nil, unit: .subject) { record in
                    guard wanted == nil || record.annotationID == wanted else { return }
                    found.append(PromptPair(
                        annotationID: record.annotationID, revision: record.revision, coarsePrompt: record.coarsePrompt,
                        finePrompt: record.finePrompt, emotion: record.emotion, sourcePath: record.sourcePath))
                }
            }
            if let wanted, found.isEmpty { throw RenderJobError.missingInput("the review store has no annotation \(wanted)") }
        case .exportFile(let path):
            do { found = try PromptPair.readJSONL(URL(fileURLWithPath: path)) } catch {
                throw RenderJobError.missingInput("\(error)")
            }
        case .prompts(let coarse, let fine):
            found = [PromptPair(annotationID: 0, revision: 1, coarsePrompt: coarse, finePrompt: fine)]
        }
        if let emotion = settings.emotion { found = found.filter { $0.emotion?.lowercased() == emotion.lowercased() } }
        if let limit = settings.limit { found = Array(found.prefix(limit)) }
        return found
    }

    /// Renders every pair in order. `shouldStop` is asked between denoising steps; a stop leaves no partial
    /// file and marks the render in progress as failed ("interrupted").
    public func run(shouldStop: @escaping () -> Bool = { false }, report: (Event) -> Void = { _ in }) throws -> [RenderOutcome] {
        let work = try pairs()
        let initialNoise = try settings.noisePath.map { path -> Tensor in
            do { return try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path)).tensor(named: "noise") } catch {
                throw RenderJobError.missingInput("cannot read the initial noise from \(path): \(error)")
            }
        }
        let loaded = try loadRenderer()
        for notice in loaded.notices { report(.notice(notice)) }
        let modelPath = URL(fileURLWithPath: settings.modelPath).standardizedFileURL.path
        let modelHash = store == nil ? nil : try? ModelFingerprint.hex(of: URL(fileURLWithPath: settings.modelPath))
        let directory = URL(fileURLWithPath: settings.outputFolder)
        var outcomes: [RenderOutcome] = []
        for (index, pair) in work.enumerated() {
            let prepared: PreparedClip
            switch loaded {
            case .perFrame(let renderer):
                prepared = try preparePerFrame(pair, renderer: renderer, initialNoise: initialNoise, modelPath: modelPath)
            case .talkingHead(let renderer):
                prepared = try prepareTalkingHead(pair, renderer: renderer, modelPath: modelPath)
            }
            let manifest = prepared.manifest
            let parametersJSON = try ProjectJSON.string(manifest)
            let name = Self.outputName(pair: pair, parametersJSON: parametersJSON)
            let manifestURL = directory.appendingPathComponent(name + ".json")
            if let previous = try previousResult(pair: pair, manifest: manifest, parametersJSON: parametersJSON, manifestURL: manifestURL) {
                report(.skipped(name: name, recordedInStore: store != nil))
                outcomes.append(RenderOutcome(name: name, status: .skipped, result: previous))
                continue
            }
            // A run killed outright (SIGKILL, SIGTERM) left its record running; no live process holds its video's
            // temporary file, so it is marked failed before this run starts its own.
            if let store, !PartialFile.isHeld(beside: directory.appendingPathComponent(name + ".mp4").path) {
                try storeCall {
                    for stale in try store.renders(annotationID: pair.annotationID, status: .running)
                    where stale.revision == pair.revision && stale.parametersJSON == parametersJSON {
                        try store.updateRender(id: stale.id, status: .failed, error: "interrupted: the process rendering it ended before finishing")
                    }
                }
            }
            let renderID = try store.map { store in
                try storeCall {
                    let id = try store.addRender(NewRender(
                        annotationID: pair.annotationID, revision: pair.revision, parametersJSON: parametersJSON,
                        seed: Int64(bitPattern: settings.seed), modelPath: modelPath, modelHash: modelHash))
                    try store.updateRender(id: id, status: .running)
                    return id
                }
            }
            func recordFailure(_ reason: String) {
                if let store, let renderID { try? store.updateRender(id: renderID, status: .failed, error: reason) }
            }
            report(.started(index: index, count: work.count, name: name))
            let result: ClipResult
            do {
                result = try prepared.render(directory, name, { progress in
                    if shouldStop() { throw RenderError.cancelled }
                    report(.progress(progress))
                }, { window, windows in
                    // Each finished window is on disk; the store says how far the render got.
                    if let store, let renderID {
                        let timings = try ProjectJSON.string(["windows_done": window + 1, "window_count": windows])
                        try storeCall { try store.updateRender(id: renderID, status: .running, timingsJSON: timings) }
                    }
                })
            } catch RenderError.cancelled {
                recordFailure("interrupted")
                throw RenderJobError.interrupted(name: name)
            } catch {
                recordFailure("\(error)")
                throw RenderJobError.renderFailed(name: name, reason: "\(error)")
            }
            do {
                try OutputFile.write(ProjectJSON.encoder(pretty: true).encode(RenderManifestFile(parameters: manifest, result: result)),
                                     to: manifestURL.path)
            } catch {
                throw RenderJobError.writeFailed(path: manifestURL.path, reason: error is OutputFileError ? (error as! OutputFileError).reason : FileErrorText.reason(error))
            }
            if let store, let renderID {
                let outputs = try ProjectJSON.string([result.videoPath, result.firstFramePath, result.contactSheetPath, manifestURL.path])
                let timings = try ProjectJSON.string(["seconds": result.seconds, "seconds_per_frame": result.secondsPerFrame])
                try storeCall { try store.updateRender(id: renderID, status: .done, outputsJSON: outputs, timingsJSON: timings) }
            }
            report(.finished(name: name, result: result))
            outcomes.append(RenderOutcome(name: name, status: .rendered, result: result))
        }
        return outcomes
    }

    /// What rendering one pair takes: its manifest, and the call that renders it into a folder under a name.
    private struct PreparedClip {
        let manifest: RenderManifest
        let render: (URL, String, (RenderProgress) throws -> Void, (Int, Int) throws -> Void) throws -> ClipResult
    }

    private enum LoadedRenderer {
        case perFrame(ClipRenderer)
        case talkingHead(TalkingClipRenderer)

        /// What the output should say about the checkpoint's missing parts.
        var notices: [String] {
            switch self {
            case .perFrame:
                return ["this checkpoint is an image model: frames are sampled one by one (no ReferenceNet, motion or audio modules, so no lip sync)"]
            case .talkingHead(let renderer):
                let configuration = renderer.model.unet.configuration
                var missing = [String]()
                if !configuration.hasMotionModules { missing.append("no motion modules: frames of a window are not tied together in time") }
                if !configuration.hasAudioModules { missing.append("no audio modules: the speech is muxed into the MP4 but does not drive the lips") }
                return missing.map { "this talking-head checkpoint has \($0)" }
            }
        }
    }

    /// A talking-head checkpoint (by its model_index.json) gets the video renderer; any other diffusers
    /// SD1.5-family folder the per-frame sampler.
    private func loadRenderer() throws -> LoadedRenderer {
        let url = URL(fileURLWithPath: settings.modelPath)
        do {
            if TalkingHeadModel.isTalkingHead(directory: url) {
                return .talkingHead(TalkingClipRenderer(model: try TalkingHeadModel(directory: url, sampler: settings.sampler)))
            }
            return .perFrame(ClipRenderer(model: try StableDiffusionModel(directory: url, sampler: settings.sampler)))
        } catch {
            throw RenderJobError.model("cannot load the model from \(settings.modelPath): \(error)")
        }
    }

    private func sampling() -> ProgressiveSampler.Parameters {
        var sampling = ProgressiveSampler.Parameters()
        sampling.steps = settings.steps
        sampling.splits = [settings.split]
        sampling.mode = settings.blend
        sampling.alphaMax = settings.alphaMax
        sampling.alphaMin = settings.alphaMin
        sampling.guidanceScale = settings.guidanceScale
        return sampling
    }

    private func preparePerFrame(_ pair: PromptPair, renderer: ClipRenderer, initialNoise: Tensor?, modelPath: String) throws -> PreparedClip {
        var request = ClipRequest(prompts: [pair.coarsePrompt, pair.finePrompt])
        request.frames = settings.frames
        request.fps = settings.fps
        request.seed = settings.seed
        request.initialNoise = initialNoise
        request.sampling = sampling()
        request.width = settings.size
        request.height = settings.size
        let referencePath = try Self.resolve(settings.reference, for: pair, what: "reference")
        if let referencePath {
            request.reference = try Self.readReference(referencePath)
            request.sampling.strength = settings.strength
        }
        request.audioPath = settings.audio == "none" ? nil : try Self.resolveAudio(settings.audio, for: pair)
        let manifest = RenderManifest(
            annotationId: pair.annotationID, revision: pair.revision, coarsePrompt: pair.coarsePrompt,
            finePrompt: pair.finePrompt, model: modelPath, steps: settings.steps, split: settings.split,
            blend: settings.blend.rawValue, alphaMax: settings.alphaMax, alphaMin: settings.alphaMin,
            sampler: settings.sampler.name, cfg: settings.guidanceScale, seed: settings.seed, noise: settings.noisePath,
            frames: settings.frames, fps: settings.fps, size: settings.size ?? renderer.model.defaultImageSize,
            reference: referencePath, strength: referencePath == nil ? 1 : settings.strength, audio: request.audioPath)
        return PreparedClip(manifest: manifest) { directory, name, progress, _ in
            try renderer.render(request, directory: directory, name: name, progress: progress)
        }
    }

    /// The portrait is the pair's own reference frame unless one is given; the speech is the pair's own unless a
    /// file or "none" is given. With speech the clip has ceil(seconds · fps) frames.
    private func prepareTalkingHead(_ pair: PromptPair, renderer: TalkingClipRenderer, modelPath: String) throws -> PreparedClip {
        guard settings.noisePath == nil else {
            throw RenderJobError.invalidSettings("--noise is for image checkpoints; a talking-head render seeds each window (--seed)")
        }
        guard let referencePath = try Self.resolve(settings.reference ?? "auto", for: pair, what: "reference") else {
            throw RenderJobError.missingInput("a talking-head render needs a reference portrait")
        }
        var request = TalkingClipRequest(prompts: [pair.coarsePrompt, pair.finePrompt], reference: try Self.readReference(referencePath))
        request.audioPath = settings.audio == "none" ? nil : try Self.resolveAudio(settings.audio ?? "auto", for: pair)
        request.frames = settings.frames
        request.fps = settings.fps
        request.window = settings.window
        request.motionFrames = settings.motionFrames
        request.seed = settings.seed
        request.sampling = sampling()
        request.width = settings.size
        request.height = settings.size
        let frames: Int
        do { frames = try renderer.prepareSpeech(&request) } catch { throw RenderJobError.missingInput("\(error)") }
        var manifest = RenderManifest(
            annotationId: pair.annotationID, revision: pair.revision, coarsePrompt: pair.coarsePrompt,
            finePrompt: pair.finePrompt, model: modelPath, steps: settings.steps, split: settings.split,
            blend: settings.blend.rawValue, alphaMax: settings.alphaMax, alphaMin: settings.alphaMin,
            sampler: settings.sampler.name, cfg: settings.guidanceScale, seed: settings.seed, noise: nil,
            frames: frames, fps: settings.fps, size: settings.size ?? renderer.model.defaultImageSize,
            reference: referencePath, strength: 1, audio: request.audioPath)
        manifest.renderer = "talking_head"
        manifest.window = settings.window
        manifest.motionFrames = settings.motionFrames
        return PreparedClip(manifest: manifest) { directory, name, progress, windowFinished in
            try renderer.render(request, directory: directory, name: name, progress: progress, windowFinished: windowFinished)
        }
    }

    private static func readReference(_ path: String) throws -> RGBImage {
        do { return try FrameReader.readFrame(path: path, choice: .first) } catch {
            throw RenderJobError.missingInput("cannot read a reference frame from \(path): \(error)")
        }
    }

    /// The earlier result when this pair was already rendered with these parameters: a done render in the store
    /// (when there is one), else a manifest beside an existing clip.
    private func previousResult(pair: PromptPair, manifest: RenderManifest, parametersJSON: String, manifestURL: URL) throws -> ClipResult? {
        let videoPath = manifestURL.deletingPathExtension().appendingPathExtension("mp4").path
        guard FileManager.default.fileExists(atPath: videoPath),
              let data = try? Data(contentsOf: manifestURL),
              let previous = try? ProjectJSON.decoder().decode(RenderManifestFile.self, from: data)
        else { return nil }
        if let store {
            let recorded = try storeCall {
                try store.renders(annotationID: pair.annotationID, status: .done)
                    .contains { $0.revision == pair.revision && $0.parametersJSON == parametersJSON }
            }
            return recorded ? previous.result : nil
        }
        return previous.parameters == manifest ? previous.result : nil
    }

    /// `aID-rREV-HASH`: HASH is the first 16 hex digits of the SHA-256 of everything the clip was rendered from
    /// (the manifest's parameters), so a render with another reference, strength, step count, model or seed gets
    /// a file of its own instead of replacing an earlier one, and the same settings find their earlier clip.
    static func outputName(pair: PromptPair, parametersJSON: String) -> String {
        "a\(pair.annotationID)-r\(pair.revision)-\(SHA256Digest.hex(of: parametersJSON).prefix(16))"
    }

    /// nil, "auto" (the pair's source; for a folder such as a MEAD unit, its first video or image in name order)
    /// or a path. A file that is named, or that "auto" points at, and is missing is an error naming it: rendering
    /// without the reference a user asked for would look like success.
    static func resolve(_ option: String?, for pair: PromptPair, what: String) throws -> String? {
        guard let option else { return nil }
        if option == "auto" { return try autoSource(for: pair, what: what) }
        guard FileManager.default.fileExists(atPath: option) else { throw RenderJobError.missingInput("the \(what) file \(option) does not exist") }
        // Absolute, so the manifest (and the render the store records from it) means the same file from any folder.
        return URL(fileURLWithPath: option).standardizedFileURL.path
    }

    /// The audio to mux in (and, for a talking head, to drive it): nil, "auto" (the source's audio track, else a
    /// MEAD unit's speech file, else none) or a path that must exist.
    static func resolveAudio(_ option: String?, for pair: PromptPair) throws -> String? {
        guard option == "auto" else { return try resolve(option, for: pair, what: "audio") }
        let source = try autoSource(for: pair, what: "audio")
        if MediaExtensions.matches(source, MediaExtensions.audio) { return source }
        let info: MediaInfo
        do { info = try MediaProbe.probe(path: source) } catch {
            throw RenderJobError.missingInput("cannot read the audio source \(source): \(error)")
        }
        if info.hasAudio { return source }
        // MEAD keeps a unit's speech beside its videos: ACTOR/audio/EMOTION/LEVEL/NNN.m4a.
        if let speech = MEADSpeech.audioPath(forClip: source), FileManager.default.fileExists(atPath: speech) { return speech }
        // A silent clip or a still image has no audio to take: auto then means a clip without sound.
        return nil
    }

    /// The file "auto" stands for. A pair without a source (`--coarse/--fine`) has nothing to take it from.
    private static func autoSource(for pair: PromptPair, what: String) throws -> String {
        guard let source = pair.sourcePath, !source.isEmpty else {
            throw RenderJobError.missingInput(
                "--\(what) auto takes the pair's source, and annotation \(pair.annotationID) has none: give a file instead")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw RenderJobError.missingInput("the \(what) source \(source) of annotation \(pair.annotationID) does not exist")
        }
        guard isDirectory.boolValue else { return source }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: source))?.sorted() ?? []
        guard let first = files.first(where: { MediaExtensions.matches($0, MediaExtensions.video.union(MediaExtensions.image)) }) else {
            throw RenderJobError.missingInput("the \(what) source \(source) of annotation \(pair.annotationID) holds no video or image")
        }
        return URL(fileURLWithPath: source).appendingPathComponent(first).path
    }

    private func storeCall<Value>(_ body: () throws -> Value) throws -> Value {
        do { return try body() } catch let error as RenderJobError { throw error } catch {
            throw RenderJobError.store("\(error)")
        }
    }
}
