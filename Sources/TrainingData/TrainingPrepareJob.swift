import AnnotationRecord
import ContentHashing
import DatasetLayout
import FaceAnalysis
import FileAccess
import Foundation
import MediaIO
@_spi(Development) import Renderer
import Store
import Tensors

/// `tbd train prepare`: the store's approved pairs and their linked clips as training shards, with the code the
/// renderer uses, so training and rendering see the same inputs. Per clip one `clips/KEY.safetensors`:
///
/// - `frames`: U8 [F, size, size, 3], the clip at `fps`, cut to a square around its face (`PortraitCrop`);
/// - `audio_features`: F32 [F, L, D], the speech's wav2vec 2.0 hidden states aligned to the frames as the renderer
///   aligns them (`Wav2Vec2Model.audioFeatures`);
/// - `mask.full.L`, `mask.face.L`, `mask.lip.L`: F32 [s >> L, s >> L] for UNet levels L = 0...3 (s = size / 8),
///   Hallo's masks from the face (`FaceRegionMasks`), as the renderer gives them;
/// - `text.coarse`, `text.fine`: F32 [1, 77, D], the CLIP embeddings of the two prompts;
/// - metadata: emotion, level, actor, the prompts, the source files and their SHA-256.
///
/// KEY is the SHA-256 of everything the shard is made from (the clip's and the speech's content, the prompts, the
/// settings, the model's fingerprint): a re-run skips what is done, and a changed input gets a new shard.
public struct TrainingPrepareJob {
    public enum Event {
        case prepared(index: Int, count: Int, clip: TrainingIndex.Clip)
        case alreadyPrepared(clipPath: String)
        case skipped(TrainingIndex.Skipped)
    }

    public let settings: TrainingPrepareSettings
    public let store: ProjectStore

    public init(settings: TrainingPrepareSettings, store: ProjectStore) throws {
        try settings.validate()
        self.settings = settings
        self.store = store
    }

    /// The approved pairs and their clips (linked clips; else the pair's source when it is a video).
    func work() throws -> [(record: ExportRecord, clips: [String])] {
        var records: [ExportRecord] = []
        try ReviewExporter(store: store).forEachRecord(status: .approved, unit: .subject) { records.append($0) }
        if let limit = settings.limit { records = Array(records.prefix(limit)) }
        return try records.map { record in
            var clips = try store.clipLinks(annotationID: record.annotationID).map(\.clipPath)
            if clips.isEmpty, MediaExtensions.matches(record.sourcePath, MediaExtensions.video) { clips = [record.sourcePath] }
            return (record, Array(Set(clips)).sorted())
        }
    }

    public func run(shouldStop: () -> Bool = { false }, report: (Event) -> Void = { _ in }) throws -> TrainingIndex {
        let work = try work()
        let folder = URL(fileURLWithPath: settings.outputFolder)
        let clipsFolder = folder.appendingPathComponent("clips")
        do { try FileManager.default.createDirectory(at: clipsFolder, withIntermediateDirectories: true) } catch {
            throw TrainingDataError("cannot make \(clipsFolder.path): \(FileErrorText.reason(error))")
        }
        let model: TalkingHeadModel
        do { model = try TalkingHeadModel(directory: URL(fileURLWithPath: settings.modelPath)) } catch {
            throw TrainingDataError("cannot load the talking checkpoint \(settings.modelPath): \(error)")
        }
        guard let encoder = model.audioEncoder else {
            throw TrainingDataError("\(settings.modelPath) has no audio encoder: training needs the speech's features")
        }
        let modelSha256 = try ModelFingerprint.hex(of: URL(fileURLWithPath: settings.modelPath))
        let detector: FaceDetector
        do { detector = try FaceDetector() } catch { throw TrainingDataError("\(error)") }
        let actors = Set(work.flatMap { $0.clips.compactMap { (try? MEADPath(parsing: $0))?.actor } })
        let indexURL = folder.appendingPathComponent("index.json")
        var previous: TrainingIndex?
        if FileManager.default.fileExists(atPath: indexURL.path) {
            do { previous = try ProjectJSON.decoder().decode(TrainingIndex.self, from: Data(contentsOf: indexURL)) } catch {
                throw TrainingDataError("\(indexURL.path) cannot be read (\(error)); move it aside to prepare this folder afresh")
            }
        }
        var index = TrainingIndex(size: settings.size, fps: settings.fps, model: URL(fileURLWithPath: settings.modelPath).standardizedFileURL.path,
                                  modelSha256: modelSha256, testActors: ActorSplit.testActors(actors))
        let done = Dictionary((previous?.clips ?? []).map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let total = work.reduce(0) { $0 + $1.clips.count }
        var position = 0
        for (record, clips) in work {
            for clip in clips {
                position += 1
                if shouldStop() { throw TrainingDataError("interrupted: the shards written so far are kept; run the same command again") }
                func skip(_ reason: String) {
                    let skipped = TrainingIndex.Skipped(annotationId: record.annotationID, clipPath: clip, reason: reason)
                    index.skipped.append(skipped)
                    report(.skipped(skipped))
                }
                guard FileManager.default.fileExists(atPath: clip) else { skip("the clip is missing"); continue }
                guard let speech = Self.speech(of: clip) else { skip("no speech: neither MEAD's audio file nor an audio track"); continue }
                let key = try Self.key(clip: clip, speech: speech, record: record, settings: settings, modelSha256: modelSha256)
                if let finished = done[key], FileManager.default.fileExists(atPath: folder.appendingPathComponent(finished.file).path) {
                    index.clips.append(finished)
                    report(.alreadyPrepared(clipPath: clip))
                    try write(index, to: indexURL)
                    continue
                }
                // The batch's face belongs to the unit's reference clip (the annotation's source).
                let stored = clip == record.sourcePath ? try store.show(id: record.annotationID).referenceFace : nil
                let known = try stored.map { try DetectedFace(box: $0.box, probability: $0.probability, landmarks: $0.landmarks) }
                let (sampled, problem) = try ClipFrameSampler(size: settings.size, fps: settings.fps)
                    .sample(path: clip, known: known, knownSize: stored.map { ($0.frameWidth, $0.frameHeight) }, detector: detector)
                if let problem { skip("first frame: \(problem)"); continue }
                let samples: AudioSamples
                do { samples = try AudioDecoder.decode(path: speech, sampleRate: encoder.preprocessor.samplingRate) } catch {
                    skip("the speech \(speech) cannot be decoded: \(error)")
                    continue
                }
                guard samples.samples.count >= encoder.minimumSamples else { skip("the speech is too short for the audio encoder"); continue }
                let features = try encoder.audioFeatures(samples: samples.samples, sampleRate: samples.sampleRate, fps: Double(settings.fps))
                let frames = min(sampled.frames.count, features.shape[0])
                guard frames >= settings.minimumFrames else {
                    skip("too short: \(frames) frames at \(settings.fps) fps, training needs \(settings.minimumFrames)")
                    continue
                }
                let actor = (try? MEADPath(parsing: clip))?.actor
                let entry = TrainingIndex.Clip(
                    key: key, file: "clips/" + key + ".safetensors", annotationId: record.annotationID, revision: record.revision,
                    clipPath: clip, speechPath: speech, actor: actor, emotion: record.emotion, level: record.level,
                    split: actor.map { index.testActors.contains($0) ? "test" : "train" } ?? "train", frames: frames)
                try writeShard(entry, record: record, frames: Array(sampled.frames.prefix(frames)),
                               features: Self.leadingFrames(features, frames), face: sampled, model: model,
                               to: folder.appendingPathComponent(entry.file))
                index.clips.append(entry)
                try write(index, to: indexURL)
                report(.prepared(index: position, count: total, clip: entry))
            }
        }
        try write(index, to: indexURL)
        return index
    }

    /// MEAD's speech for a MEAD video (ACTOR/audio/EMOTION/LEVEL/NNN.m4a), else the clip itself when it has audio.
    static func speech(of clip: String) -> String? {
        if let speech = (try? MEADPath(parsing: clip))?.speech.path, FileManager.default.fileExists(atPath: speech) { return speech }
        return ((try? MediaProbe.probe(path: clip))?.hasAudio ?? false) ? clip : nil
    }

    static func key(clip: String, speech: String, record: ExportRecord, settings: TrainingPrepareSettings, modelSha256: String) throws -> String {
        let parts = [
            "format \(TrainingIndex.formatVersion)", try SHA256Digest.hex(ofFileAt: URL(fileURLWithPath: clip)),
            try SHA256Digest.hex(ofFileAt: URL(fileURLWithPath: speech)), record.coarsePrompt, record.finePrompt,
            "size \(settings.size) fps \(settings.fps)", modelSha256,
        ]
        return SHA256Digest.hex(of: parts.joined(separator: "\n"))
    }

    static func leadingFrames(_ tensor: Tensor, _ count: Int) -> Tensor {
        let row = tensor.count / max(1, tensor.shape[0])
        return Tensor(shape: [count] + Array(tensor.shape.dropFirst()), scalars: Array(tensor.scalars.prefix(count * row)))
    }

    private func writeShard(_ entry: TrainingIndex.Clip, record: ExportRecord, frames: [Data], features: Tensor,
                            face sampled: ClipFrameSampler.Sampled, model: TalkingHeadModel, to url: URL) throws {
        let size = settings.size
        var tensors: [String: Tensor] = ["audio_features": features]
        tensors["text.coarse"] = try model.embed(record.coarsePrompt)
        tensors["text.fine"] = try model.embed(record.finePrompt)
        if let face = sampled.face, let crop = sampled.crop {
            let masks = FaceRegionMasks(face: crop.map(face, size: size), imageSide: size)
            for level in 0..<4 {
                let side = (size / 8) >> level
                let (full, faceMask, lip) = masks.level(level)
                tensors["mask.full.\(level)"] = Tensor(shape: [side, side], scalars: full)
                tensors["mask.face.\(level)"] = Tensor(shape: [side, side], scalars: faceMask)
                tensors["mask.lip.\(level)"] = Tensor(shape: [side, side], scalars: lip)
            }
        }
        var pixels = Data(capacity: frames.count * size * size * 3)
        for frame in frames { pixels.append(frame) }
        let raw = ["frames": try SafeTensorsWriter.RawEntry(dtype: .u8, shape: [frames.count, size, size, 3], bytes: pixels)]
        let metadata = [
            "annotation_id": "\(entry.annotationId)", "revision": "\(entry.revision)", "emotion": entry.emotion,
            "level": "\(entry.level)", "actor": entry.actor ?? "", "split": entry.split, "fps": "\(settings.fps)",
            "coarse_prompt": record.coarsePrompt, "fine_prompt": record.finePrompt, "clip": entry.clipPath,
            "speech": entry.speechPath, "crop": sampled.crop.map { "\($0.x) \($0.y) \($0.side)" } ?? "",
        ]
        do {
            try OutputFile.write(try SafeTensorsWriter.data(tensors: tensors, raw: raw, metadata: metadata), to: url.path)
        } catch {
            throw TrainingDataError("cannot write \(url.path): \(error)")
        }
    }

    private func write(_ index: TrainingIndex, to url: URL) throws {
        do { try OutputFile.write(ProjectJSON.encoder(pretty: true).encode(index), to: url.path) } catch {
            throw TrainingDataError("cannot write \(url.path): \(error)")
        }
    }
}
