import AnnotationRecord
import ContentHashing
import Foundation
import MediaIO
import FileAccess
import Renderer
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
        let model: StableDiffusionModel
        do { model = try StableDiffusionModel(directory: URL(fileURLWithPath: settings.modelPath), sampler: settings.sampler) } catch {
            throw RenderJobError.model("cannot load the model from \(settings.modelPath): \(error)")
        }
        let modelPath = URL(fileURLWithPath: settings.modelPath).standardizedFileURL.path
        let modelHash = store == nil ? nil : try? ModelFingerprint.hex(of: URL(fileURLWithPath: settings.modelPath))
        let renderer = ClipRenderer(model: model)
        let directory = URL(fileURLWithPath: settings.outputFolder)
        var outcomes: [RenderOutcome] = []
        for (index, pair) in work.enumerated() {
            var request = ClipRequest(prompts: [pair.coarsePrompt, pair.finePrompt])
            request.frames = settings.frames
            request.fps = settings.fps
            request.seed = settings.seed
            request.initialNoise = initialNoise
            request.sampling.steps = settings.steps
            request.sampling.splits = [settings.split]
            request.sampling.mode = settings.blend
            request.sampling.alphaMax = settings.alphaMax
            request.sampling.alphaMin = settings.alphaMin
            request.sampling.guidanceScale = settings.guidanceScale
            request.width = settings.size
            request.height = settings.size
            let referencePath = try Self.resolve(settings.reference, for: pair, what: "reference")
            if let referencePath {
                do { request.reference = try FrameReader.readFrame(path: referencePath, choice: .first) } catch {
                    throw RenderJobError.missingInput("cannot read a reference frame from \(referencePath): \(error)")
                }
                request.sampling.strength = settings.strength
            }
            request.audioPath = try Self.resolveAudio(settings.audio, for: pair)
            let manifest = RenderManifest(
                annotationId: pair.annotationID, revision: pair.revision, coarsePrompt: pair.coarsePrompt,
                finePrompt: pair.finePrompt, model: modelPath, steps: settings.steps, split: settings.split,
                blend: settings.blend.rawValue, alphaMax: settings.alphaMax, alphaMin: settings.alphaMin,
                sampler: settings.sampler.name, cfg: settings.guidanceScale, seed: settings.seed, noise: settings.noisePath,
                frames: settings.frames, fps: settings.fps, size: settings.size ?? model.defaultImageSize,
                reference: referencePath, strength: referencePath == nil ? 1 : settings.strength, audio: request.audioPath)
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
                result = try renderer.render(request, directory: directory, name: name) { progress in
                    if shouldStop() { throw RenderError.cancelled }
                    report(.progress(progress))
                }
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
        return option
    }

    /// The audio to mux in: nil, "auto" (the source's audio when it has any, else none) or a path that must exist.
    static func resolveAudio(_ option: String?, for pair: PromptPair) throws -> String? {
        guard option == "auto" else { return try resolve(option, for: pair, what: "audio") }
        let source = try autoSource(for: pair, what: "audio")
        if MediaExtensions.matches(source, MediaExtensions.audio) { return source }
        let info: MediaInfo
        do { info = try MediaProbe.probe(path: source) } catch {
            throw RenderJobError.missingInput("cannot read the audio source \(source): \(error)")
        }
        // A silent clip or a still image has no audio to take: auto then means a clip without sound.
        return info.hasAudio ? source : nil
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
