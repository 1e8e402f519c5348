import AnnotationRecord
import ContentHashing
import DatasetLayout
import FaceAnalysis
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
            try RenderRecording.storeCall {
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
        case .pairs(let given):
            found = given
        }
        if let emotion = settings.emotion { found = found.filter { $0.emotion?.lowercased() == emotion.lowercased() } }
        if let limit = settings.limit { found = Array(found.prefix(limit)) }
        return found
    }

    /// What every pair of a job shares, loaded once: the initial noise (`--noise`), the checkpoint's renderer, the
    /// model's absolute path and content fingerprint, and the face detector.
    public struct Inputs {
        let noise: Tensor?
        let renderer: any ClipRenderer
        let modelPath: String
        /// The SHA-256 fingerprint of the model's files.
        public let modelHash: String
        let faces = FaceDetectorOnDemand()
    }

    /// Renders every pair in order. `shouldStop` is asked between denoising steps; a stop keeps the finished
    /// windows for the next run and marks the render in progress as failed ("interrupted").
    public func run(shouldStop: @escaping () -> Bool = { false }, report: (Event) -> Void = { _ in }) throws -> [RenderOutcome] {
        let work = try pairs()
        let inputs = try loadInputs(report: report)
        return try work.enumerated().map { index, pair in
            try render(pair, index: index, count: work.count, inputs: inputs, shouldStop: shouldStop, report: report)
        }
    }

    /// Loads what every pair shares, and passes on what the renderer says about the checkpoint.
    public func loadInputs(report: (Event) -> Void = { _ in }) throws -> Inputs {
        let (noise, renderer, modelPath, modelHash) = try loadModel()
        for notice in renderer.notices { report(.notice(notice)) }
        return Inputs(noise: noise, renderer: renderer, modelPath: modelPath, modelHash: modelHash)
    }

    /// Renders one pair (the `index`th of `count`), or skips it when it is already rendered with these parameters.
    /// `heartbeat` runs after every denoising step and every finished window (a render farm's worker renews its
    /// lease there); what it throws stops the render like a failure, keeping the finished windows. With `renderItem`
    /// (a render farm's item and its worker) the item is marked done in the transaction that records the render.
    public func render(_ pair: PromptPair, index: Int, count: Int, inputs: Inputs, shouldStop: @escaping () -> Bool = { false },
                       heartbeat: () throws -> Void = {}, renderItem: (id: Int64, worker: String)? = nil,
                       report: (Event) -> Void = { _ in }) throws -> RenderOutcome {
        let directory = URL(fileURLWithPath: settings.outputFolder)
        let renderer = inputs.renderer
        var (clip, manifest, facePicture) = try prepare(pair, renderer: renderer, initialNoise: inputs.noise,
                                                        modelPath: inputs.modelPath, faces: inputs.faces)
        manifest.modelSha256 = inputs.modelHash
        let parametersJSON = try ProjectJSON.string(manifest)
        let files = ClipFiles(directory: directory, name: Self.outputName(pair: pair, parametersJSON: parametersJSON))
        let name = files.name
        let manifestURL = directory.appendingPathComponent(name + ".json")
        if let previous = try previousResult(pair: pair, manifest: manifest, parametersJSON: parametersJSON, manifestURL: manifestURL) {
            report(.skipped(name: name, recordedInStore: store != nil))
            return RenderOutcome(name: name, status: .skipped, result: previous.result, renderID: previous.renderID)
        }
        // A run killed outright (SIGKILL, SIGTERM) left its record running and its claim unheld; that record is
        // marked failed as this run starts its own.
        let abandoned = !files.isBeingRendered
        let record = try RenderRecording(store: store) {
            try $0.startRender(
                NewRender(annotationID: pair.annotationID, revision: pair.revision, parametersJSON: parametersJSON,
                          seed: Int64(bitPattern: settings.seed), modelPath: inputs.modelPath, modelHash: inputs.modelHash),
                isAbandoned: abandoned)
        }
        // Claimed once the record is running, so a claim on disk always has its record (a run killed in
        // between leaves a running record and no claim, which the next run marks failed all the same).
        let claim: PartialFile
        do { claim = try files.claim() } catch {
            record.fail("\(error)")
            throw RenderJobError.writeFailed(path: files.video.path, reason: "\(error)")
        }
        defer { files.release(claim) }
        report(.started(index: index, count: count, name: name))
        let result: ClipResult
        do {
            result = try files.render(clip, with: renderer, identity: SHA256Digest.hex(of: parametersJSON), progress: { progress in
                if shouldStop() { throw RenderError.cancelled }
                try heartbeat()
                report(.progress(progress))
            }, windowFinished: { done, count in
                // Each finished window is on disk; the store says how far the render got.
                try record.update { try $0.finishWindow(renderID: $1, done: done, of: count) }
                try heartbeat()
            }, notice: { report(.notice($0)) })
        } catch RenderError.cancelled {
            record.fail("interrupted")
            throw RenderJobError.interrupted(name: name)
        } catch {
            record.fail("\(error)")
            throw RenderJobError.renderFailed(name: name, reason: "\(error)")
        }
        do {
            try OutputFile.write(ProjectJSON.encoder(pretty: true).encode(RenderManifestFile(parameters: manifest, result: result)),
                                 to: manifestURL.path)
        } catch {
            throw RenderJobError.writeFailed(path: manifestURL.path, reason: error is OutputFileError ? (error as! OutputFileError).reason : FileErrorText.reason(error))
        }
        do {
            try record.update {
                try $0.finishRender(
                    id: $1,
                    outputs: RenderOutputs(video: result.videoPath, firstFrame: result.firstFramePath,
                                           contactSheet: result.contactSheetPath, manifest: manifestURL.path),
                    timings: RenderTimings(seconds: result.seconds, secondsPerFrame: result.secondsPerFrame),
                    renderItem: renderItem)
            }
        } catch {
            // Not recorded done (a farm worker's lease ran out meanwhile): the record must not stay running.
            record.fail("\(error)")
            throw error
        }
        if let facePicture {
            // What the crop and the masks were, for people checking a render: NAME-face.png.
            let path = directory.appendingPathComponent(name + "-face.png").path
            do { try OutputFile.write(ImageEncoding.png(facePicture), to: path) } catch {
                report(.notice("could not write \(path): \(error)"))
            }
        }
        report(.finished(name: name, result: result))
        return RenderOutcome(name: name, status: .rendered, result: result, renderID: record.id)
    }

    private func loadModel() throws -> (noise: Tensor?, renderer: any ClipRenderer, modelPath: String, modelHash: String) {
        let initialNoise = try settings.noisePath.map { path -> Tensor in
            do { return try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path)).tensor(named: "noise") } catch {
                throw RenderJobError.missingInput("cannot read the initial noise from \(path): \(error)")
            }
        }
        let renderer: any ClipRenderer
        do { renderer = try loadClipRenderer(directory: URL(fileURLWithPath: settings.modelPath), sampler: settings.sampler,
                                                  precision: settings.precision) } catch {
            throw RenderJobError.model("cannot load the model from \(settings.modelPath): \(error)")
        }
        let modelPath = URL(fileURLWithPath: settings.modelPath).standardizedFileURL.path
        let modelHash: String
        do { modelHash = try ModelFingerprint.hex(of: URL(fileURLWithPath: settings.modelPath)) } catch {
            throw RenderJobError.model("cannot read the model in \(settings.modelPath): \(FileErrorText.reason(error))")
        }
        return (initialNoise, renderer, modelPath, modelHash)
    }

    /// Works out what `run` would render, without writing anything: per pair its clip, windows and denoising
    /// steps, and the seconds they take at the rate of one step measured here on the first pair still to render
    /// (its first window's first step, setup included, so the figure leans high).
    public func estimate() throws -> [RenderEstimate] {
        let work = try pairs()
        let (initialNoise, renderer, modelPath, modelHash) = try loadModel()
        let directory = URL(fileURLWithPath: settings.outputFolder)
        var secondsPerStep: Double?
        var planned: [(name: String, clip: PreparedClip, done: Bool)] = []
        let faces = FaceDetectorOnDemand()
        for pair in work {
            var (clip, manifest, _) = try prepare(pair, renderer: renderer, initialNoise: initialNoise, modelPath: modelPath, faces: faces)
            manifest.modelSha256 = modelHash
            let parametersJSON = try ProjectJSON.string(manifest)
            let name = Self.outputName(pair: pair, parametersJSON: parametersJSON)
            let done = try previousResult(pair: pair, manifest: manifest, parametersJSON: parametersJSON,
                                          manifestURL: directory.appendingPathComponent(name + ".json")) != nil
            if !done, secondsPerStep == nil { secondsPerStep = try Self.measureOneStep(of: clip, with: renderer) }
            planned.append((name, clip, done))
        }
        return planned.map { name, clip, done in
            let denoiserSteps = done ? 0 : clip.plan.windowCount * settings.steps
            return RenderEstimate(name: name, frames: clip.plan.frames, windows: clip.plan.windowCount, steps: settings.steps,
                                  alreadyRendered: done, estimatedSeconds: Double(denoiserSteps) * (secondsPerStep ?? 0))
        }
    }

    /// The seconds of the first denoising step of a clip's first window, stopped right after it; nothing is written.
    private static func measureOneStep(of clip: PreparedClip, with renderer: any ClipRenderer) throws -> Double {
        let start = Date()
        let sampler: any ClipWindowSampler
        do { sampler = try renderer.windows(of: clip) } catch { throw RenderJobError.invalidSettings("\(error)") }
        do {
            _ = try sampler.window(0, keptFrame: { _, _ in throw RenderError.cancelled }) { _, _ in throw RenderError.cancelled }
        } catch RenderError.cancelled {
            return Date().timeIntervalSince(start)
        }
        return Date().timeIntervalSince(start) / Double(max(1, clip.request.sampling.steps))
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

    /// One pair's request, prepared by the renderer (the speech read, the frame count fixed), and its manifest.
    /// A talking head takes the pair's own reference frame and speech unless others are given, and has
    /// ceil(seconds · fps) frames with speech; an image checkpoint uses a reference only when one is named.
    private func prepare(_ pair: PromptPair, renderer: any ClipRenderer, initialNoise: Tensor?, modelPath: String,
                         faces: FaceDetectorOnDemand) throws -> (PreparedClip, RenderManifest, facePicture: RGBImage?) {
        let talking = renderer.progressUnit == .window
        if talking, settings.noisePath != nil {
            throw RenderJobError.invalidSettings("--noise is for image checkpoints; a talking-head render seeds each window (--seed)")
        }
        var request = ClipRequest(prompts: [pair.coarsePrompt, pair.finePrompt])
        request.frames = settings.frames
        request.fps = settings.fps
        request.seed = settings.seed
        request.initialNoise = initialNoise
        request.sampling = sampling()
        request.width = settings.size
        request.height = settings.size
        request.window = settings.window
        request.motionFrames = settings.motionFrames
        let referencePath = try Self.resolve(talking ? settings.reference ?? "auto" : settings.reference, for: pair, what: "reference")
        if talking, referencePath == nil { throw RenderJobError.missingInput("a talking-head render needs a reference portrait") }
        // `auto` on a batch unit's clip takes the frame the batch chose and the face it found there (the store keeps
        // both), so the render starts from the annotated frame and detects nothing again.
        let stored = try (settings.reference ?? "auto") == "auto" ? referenceFace(of: pair, path: referencePath) : nil
        request.reference = try referencePath.map { try Self.readReference($0, frame: stored?.frameIndex ?? 0) }
        var framing: FramedReference?
        if let referencePath, let picture = request.reference, (settings.crop ?? (talking ? .face : .none)) == .face {
            let known = try stored.flatMap { stored -> DetectedFace? in
                guard stored.frameWidth == picture.width, stored.frameHeight == picture.height else { return nil }
                return try DetectedFace(box: stored.box, probability: stored.probability, landmarks: stored.landmarks)
            }
            let framed = try FramedReference(picture, path: referencePath, size: settings.size ?? renderer.defaultImageSize,
                                             masks: talking, known: known, detector: faces.detector())
            request.reference = framed.reference
            request.masks = framed.masks
            framing = framed
        }
        if !talking, referencePath != nil { request.sampling.strength = settings.strength }
        request.audioPath = settings.audio == "none" ? nil : try Self.resolveAudio(talking ? settings.audio ?? "auto" : settings.audio, for: pair)
        let clip: PreparedClip
        do { clip = try renderer.prepare(request) } catch { throw RenderJobError.missingInput("\(error)") }
        var manifest = RenderManifest(
            annotationId: pair.annotationID, revision: pair.revision, coarsePrompt: pair.coarsePrompt,
            finePrompt: pair.finePrompt, model: modelPath, steps: settings.steps, split: settings.split,
            blend: settings.blend.rawValue, alphaMax: settings.alphaMax, alphaMin: settings.alphaMin,
            sampler: settings.sampler.name, cfg: settings.guidanceScale, seed: settings.seed, noise: talking ? nil : settings.noisePath,
            frames: clip.plan.frames, fps: settings.fps, size: settings.size ?? renderer.defaultImageSize,
            reference: referencePath, strength: request.sampling.strength, audio: request.audioPath)
        manifest.referenceSha256 = try referencePath.map(Self.contentHash)
        manifest.referenceFrame = stored.map(\.frameIndex)
        manifest.crop = framing.map { "face \($0.crop.x) \($0.crop.y) \($0.crop.side)" }
        manifest.masks = framing?.masks == nil ? nil : "face"
        manifest.precision = settings.precision == .f32 ? nil : settings.precision.rawValue
        manifest.audioSha256 = try request.audioPath.map(Self.contentHash)
        manifest.noiseSha256 = try (talking ? nil : settings.noisePath).map(Self.contentHash)
        if talking {
            manifest.renderer = "talking_head"
            manifest.window = settings.window
            manifest.motionFrames = settings.motionFrames
        }
        return (clip, manifest, framing?.picture)
    }

    static func contentHash(_ path: String) throws -> String {
        do { return try SHA256Digest.hex(ofFileAt: URL(fileURLWithPath: path)) } catch {
            throw RenderJobError.missingInput("cannot read \(path): \(FileErrorText.reason(error))")
        }
    }

    /// The face the store keeps for the pair's reference frame, when PATH is the pair's own source clip.
    private func referenceFace(of pair: PromptPair, path: String?) throws -> ReferenceFace? {
        guard let store, pair.annotationID > 0, let path, let source = pair.sourcePath,
              URL(fileURLWithPath: source).standardizedFileURL.path == path else { return nil }
        return try RenderRecording.storeCall {
            do { return try store.show(id: pair.annotationID).referenceFace } catch StoreError.notFound { return nil }
        }
    }

    private static func readReference(_ path: String, frame: Int) throws -> RGBImage {
        do { return try FrameReader.readFrame(path: path, choice: frame == 0 ? .first : .index(frame)) } catch {
            throw RenderJobError.missingInput("cannot read a reference frame from \(path): \(error)")
        }
    }

    /// The earlier result when this pair was already rendered with these parameters: a done render in the store
    /// (when there is one), else a manifest beside an existing clip.
    private func previousResult(pair: PromptPair, manifest: RenderManifest, parametersJSON: String, manifestURL: URL) throws
        -> (result: ClipResult, renderID: Int64?)? {
        let videoPath = manifestURL.deletingPathExtension().appendingPathExtension("mp4").path
        guard FileManager.default.fileExists(atPath: videoPath),
              let data = try? Data(contentsOf: manifestURL),
              let previous = try? ProjectJSON.decoder().decode(RenderManifestFile.self, from: data)
        else { return nil }
        if let store {
            let recorded = try RenderRecording.storeCall {
                try store.renders(annotationID: pair.annotationID, status: .done)
                    .first { $0.revision == pair.revision && $0.parametersJSON == parametersJSON }
            }
            return recorded.map { (previous.result, $0.id) }
        }
        return previous.parameters == manifest ? (previous.result, nil) : nil
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
        if let speech = (try? MEADPath(parsing: source))?.speech.path, FileManager.default.fileExists(atPath: speech) { return speech }
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
}
