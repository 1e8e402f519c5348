import FileAccess
import Foundation
import MediaIO
import Tensors

/// Renders a talking-head clip as Hallo's inference does: the speech's wav2vec 2.0 features projected to audio
/// tokens, frames = ceil(seconds · fps), cut into windows; per window the ReferenceNet banks the portrait and the
/// motion frames (the portrait repeated for the first window, the previous window's last decoded frames after),
/// the video UNet denoises the window with progressive guidance on its text attention, and the VAE decodes it
/// frame by frame. Each finished window is kept on disk (`FinishedWindows`), so a killed render resumes at the
/// next window; the MP4 (with the speech), the first frame and a contact sheet are written once all are done.
public struct TalkingClipRenderer {
    public let model: TalkingHeadModel

    public init(model: TalkingHeadModel) { self.model = model }

    /// Decodes `request.audioPath` once, at the audio encoder's rate, into `request.speech` (a bad file fails here,
    /// before any sampling), and returns the frames the clip will have: from the speech's length when there is
    /// speech, else `request.frames`.
    public func prepareSpeech(_ request: inout TalkingClipRequest) throws -> Int {
        guard let audioPath = request.audioPath else { return request.frames }
        let speech = try request.speech ?? decodeSpeech(audioPath)
        request.speech = speech
        return AudioFrameAlignment.frameCount(samples: speech.samples.count, sampleRate: speech.sampleRate, fps: Double(request.fps))
    }

    /// `name` is the file stem: NAME.mp4, NAME.png, NAME-sheet.png in `directory`, and NAME.windows/ while it
    /// runs. `progress` may throw (`RenderError.cancelled`) to stop between steps; `windowFinished` is told each
    /// window kept on disk (index, count).
    public func render(_ request: TalkingClipRequest, directory: URL, name: String,
                       progress: (RenderProgress) throws -> Void = { _ in },
                       windowFinished: (Int, Int) throws -> Void = { _, _ in }) throws -> ClipResult {
        let start = Date()
        let scale = model.vaeScale
        let width = request.width ?? model.defaultImageSize, height = request.height ?? model.defaultImageSize
        let levels = 1 << (model.unet.configuration.unet.blockOutChannels.count - 1)
        guard width > 0, height > 0, width % (scale * levels) == 0, height % (scale * levels) == 0 else {
            throw RenderError.invalid("frame size \(width)x\(height) must be a positive multiple of \(scale * levels)")
        }
        guard request.sampling.strength == 1 else {
            throw RenderError.invalid("a talking-head render starts from noise (strength 1); the portrait reaches it through the ReferenceNet")
        }
        if let limit = model.unet.configuration.motionPositionLimit, request.window + request.motionFrames > limit {
            throw RenderError.invalid(
                "--window \(request.window) plus --motion-frames \(request.motionFrames) exceeds the motion modules' \(limit) positions")
        }

        // The speech first: its length decides the frame count, and a bad file should fail before any sampling.
        var request = request
        let frames = try prepareSpeech(&request)
        let speech = request.speech
        let plan = try WindowPlan(frames: frames, window: request.window, motionFrames: request.motionFrames)
        let audioFeatures = try speech.flatMap { try features(of: $0, plan: plan, fps: request.fps) }

        let conditions = try request.prompts.map { try model.embed($0) }
        let unconditional = try model.embed(request.negativePrompt)
        let sampler = ProgressiveSampler(denoiser: WindowDenoiser(unet: model.unet, audio: nil, reference: nil, masks: nil),
                                         scheduler: model.scheduler)
        let schedule = try sampler.guidanceSchedule(request.sampling)
        guard conditions.count == schedule.stageCount else {
            throw RenderError.invalid("\(conditions.count) prompts for a schedule of \(schedule.stageCount) stages")
        }
        // The ReferenceNet runs once per window at t = 0 with the text the first step is guided by.
        let referenceText = try schedule.condition(from: conditions, atStep: 0)
        let portrait = request.reference.width == width && request.reference.height == height
            ? request.reference : try request.reference.scaled(width: width, height: height)
        let latentShape = [1, model.unet.configuration.unet.inChannels, plan.window, height / scale, width / scale]
        // The portrait's latent is the same for every window; only the motion frames change.
        let portraitLatent = try model.vae.encode(ImageTensorConversion.tensor(from: portrait))

        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw RenderError.invalid("cannot create the output folder \(FileErrorText.describe(error, path: directory.path))")
        }
        PartialFile.removeAbandoned(in: directory.path)
        let finished = FinishedWindows(clipDirectory: directory, name: name)
        let resumeAt = finished.completedCount(windows: plan.windowCount) { plan.keptFrames(ofWindow: $0).count }
        for index in resumeAt..<plan.windowCount {
            let motionLatents: [Tensor]
            if index == 0 {
                motionLatents = Array(repeating: portraitLatent, count: plan.motionFrames)
            } else {
                let previous = plan.keptFrames(ofWindow: index - 1)
                let motion = try (previous.count - plan.motionFrames..<previous.count).map {
                    try finished.frame(window: index - 1, position: $0)
                }
                motionLatents = motion.isEmpty ? [] : [try model.vae.encode(
                    Tensor.concatenateBatch(motion.map { ImageTensorConversion.tensor(from: $0) }))]
            }
            let referenceLatents = Tensor.concatenateBatch([portraitLatent] + motionLatents)
            let bank = try model.referenceNet.bank(latents: referenceLatents, text: referenceText)
            let audio = try audioFeatures.map { try audioTokens($0, window: index, plan: plan) }
                ?? (model.unet.configuration.hasAudioModules ? silentTokens(plan: plan) : nil)
            let windowSampler = ProgressiveSampler(
                denoiser: WindowDenoiser(unet: model.unet, audio: audio, reference: bank, masks: request.masks),
                scheduler: model.scheduler)
            var generator = GaussianNoise(seed: request.seed &+ UInt64(index))
            let latents = try windowSampler.sample(
                noise: generator.tensor(shape: latentShape), stageConditions: conditions, unconditional: unconditional,
                parameters: request.sampling) { step, steps in
                try progress(RenderProgress(frame: index, frameCount: plan.windowCount, step: step, stepCount: steps,
                                            elapsedSeconds: Date().timeIntervalSince(start), unit: .window, firstFrame: resumeAt))
            }
            guard latents.isFinite else { throw RenderError.nonFinite("the latents of window \(index + 1)") }
            // Frame by frame, so one window of an SD1.5-size VAE decodes in the memory of one frame.
            let images = try (0..<plan.keptFrames(ofWindow: index).count).map { position -> RGBImage in
                let decoded = try model.vae.decode(latents.videoFrame(position))
                guard decoded.isFinite else { throw RenderError.nonFinite("the decoded frame \(index * plan.window + position + 1)") }
                return try ImageTensorConversion.image(from: decoded)
            }
            try finished.write(window: index, frames: images)
            try windowFinished(index, plan.windowCount)
        }
        let result = try writeClip(plan: plan, finished: finished, directory: directory, name: name, width: width, height: height,
                                   fps: request.fps, audioPath: request.audioPath, start: start)
        finished.remove()
        return result
    }

    private func decodeSpeech(_ path: String) throws -> AudioSamples {
        let rate = model.audioEncoder?.preprocessor.samplingRate ?? 16_000
        do { return try AudioDecoder.decode(path: path, sampleRate: rate) } catch {
            throw RenderError.invalid("cannot read the speech \(path): \(error)")
        }
    }

    /// wav2vec 2.0 features [padded frames, L, D] of the whole utterance (the transformer needs all of it).
    private func features(of speech: AudioSamples, plan: WindowPlan, fps: Int) throws -> Tensor? {
        guard let encoder = model.audioEncoder else { return nil }
        guard speech.samples.count >= encoder.minimumSamples else {
            throw RenderError.invalid("the speech is \(speech.samples.count) samples long; the audio encoder needs at least \(encoder.minimumSamples)")
        }
        return try encoder.audioFeatures(samples: speech.samples, sampleRate: speech.sampleRate, fps: Double(fps),
                                         paddingWindow: plan.window)
    }

    /// One window's audio tokens [1, window, N, D_a]: Hallo's 5-frame windows of the features, projected.
    private func audioTokens(_ features: Tensor, window index: Int, plan: WindowPlan) throws -> Tensor? {
        guard let projection = model.audioProjection else { return nil }
        let frames = (index * plan.window)..<((index + 1) * plan.window)
        let tokens = try projection(AudioFrameAlignment.windows(features, range: frames))
        return tokens.reshaped([1] + tokens.shape)
    }

    /// The audio condition of a clip without speech: zero tokens, the unconditional audio.
    private func silentTokens(plan: WindowPlan) -> Tensor? {
        guard let projection = model.audioProjection else { return nil }
        let tokens = projection.unconditionalTokens(frames: plan.window)
        return tokens.reshaped([1] + tokens.shape)
    }

    private func writeClip(plan: WindowPlan, finished: FinishedWindows, directory: URL, name: String, width: Int, height: Int,
                           fps: Int, audioPath: String?, start: Date) throws -> ClipResult {
        let videoURL = directory.appendingPathComponent(name + ".mp4")
        let sheetFrames = Set(ClipStills.sheetFrames(of: plan.frames))
        var sampled = [RGBImage]()
        let writer = try VideoWriter(path: videoURL.path, width: width, height: height, fps: fps, audioPath: audioPath)
        let summary: VideoWriterSummary
        do {
            for index in 0..<plan.windowCount {
                for (position, frame) in plan.keptFrames(ofWindow: index).enumerated() {
                    let image = try finished.frame(window: index, position: position)
                    try writer.append(image)
                    if sheetFrames.contains(frame) { sampled.append(image) }
                }
            }
            summary = try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
        return try ClipStills.finish(video: videoURL, summary: summary, sampled: sampled, width: width, height: height,
                                     frames: plan.frames, start: start)
    }
}
