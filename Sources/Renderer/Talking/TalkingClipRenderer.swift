import Foundation
import MediaIO
import Tensors

/// Renders a talking-head clip as Hallo's inference does: the speech's wav2vec 2.0 features projected to audio
/// tokens, frames = ceil(seconds · fps), cut into windows; per window the ReferenceNet banks the portrait and the
/// motion frames (the portrait repeated for the first window, the previous window's last decoded frames after),
/// the video UNet denoises the window with progressive guidance on its text attention, and the VAE decodes it
/// frame by frame.
public final class TalkingClipRenderer: ClipRenderer {
    public let model: TalkingHeadModel

    public init(model: TalkingHeadModel) { self.model = model }

    public var progressUnit: RenderProgress.Unit { .window }
    public var defaultImageSize: Int { model.defaultImageSize }
    public var notices: [String] {
        let configuration = model.unet.configuration
        var missing = [String]()
        if !configuration.hasMotionModules { missing.append("no motion modules: frames of a window are not tied together in time") }
        if !configuration.hasAudioModules { missing.append("no audio modules: the speech is muxed into the MP4 but does not drive the lips") }
        return missing.map { "this talking-head checkpoint has \($0)" }
    }

    /// Decodes `request.audioPath` once, at the audio encoder's rate, into `request.speech` (a bad file fails here,
    /// before any sampling); the clip has ceil(seconds · fps) frames with speech, else `request.frames`.
    public func prepare(_ request: ClipRequest) throws -> PreparedClip {
        var request = request
        var frames = request.frames
        if let audioPath = request.audioPath {
            let speech = try request.speech ?? decodeSpeech(audioPath)
            request.speech = speech
            frames = AudioFrameAlignment.frameCount(samples: speech.samples.count, sampleRate: speech.sampleRate, fps: Double(request.fps))
        }
        return PreparedClip(request: request, plan: try WindowPlan(frames: frames, window: request.window, motionFrames: request.motionFrames),
                            width: request.width ?? model.defaultImageSize, height: request.height ?? model.defaultImageSize)
    }

    public func windows(of clip: PreparedClip) throws -> any ClipWindowSampler {
        let request = clip.request, plan = clip.plan, scale = model.vaeScale
        let (width, height) = (clip.width, clip.height)
        let levels = 1 << (model.unet.configuration.unet.blockOutChannels.count - 1)
        guard width > 0, height > 0, width % (scale * levels) == 0, height % (scale * levels) == 0 else {
            throw RenderError.invalid("frame size \(width)x\(height) must be a positive multiple of \(scale * levels)")
        }
        guard request.sampling.strength == 1 else {
            throw RenderError.invalid("a talking-head render starts from noise (strength 1); the portrait reaches it through the ReferenceNet")
        }
        guard request.initialNoise == nil else {
            throw RenderError.invalid("initial noise is for image checkpoints; a talking-head render seeds each window")
        }
        guard let reference = request.reference else { throw RenderError.invalid("a talking-head render needs a reference portrait") }
        // From 512x512 frames a window's activations alone take 1.40x the networks' Float32 weights, and the default
        // budget's transformed weights took the render to 1.70x (BENCHMARKS.md): there they are not held unless the
        // user set TBD_WINOGRAD_MEMORY, and the layers run streamed Winograd instead, which holds nothing more.
        if width * height >= 512 * 512 { TransformedWeightBudget.shared.lowerDefault(to: .weights(0)) }
        if let limit = model.unet.configuration.motionPositionLimit, plan.window + plan.motionFrames > limit {
            throw RenderError.invalid(
                "--window \(plan.window) plus --motion-frames \(plan.motionFrames) exceeds the motion modules' \(limit) positions")
        }
        let audioFeatures = try request.speech.flatMap { try features(of: $0, plan: plan, fps: request.fps) }
        let conditions = try request.prompts.map { try model.embed($0) }
        let unconditional = try model.embed(request.negativePrompt)
        let schedule = try ProgressiveSampler(denoiser: WindowDenoiser(unet: model.unet, audio: nil, reference: nil, masks: nil),
                                              scheduler: model.scheduler).guidanceSchedule(request.sampling)
        guard conditions.count == schedule.stageCount else {
            throw RenderError.invalid("\(conditions.count) prompts for a schedule of \(schedule.stageCount) stages")
        }
        let portrait = reference.width == width && reference.height == height ? reference : try reference.scaled(width: width, height: height)
        return WindowSampler(
            model: model, request: request, plan: plan,
            latentShape: [1, model.unet.configuration.unet.inChannels, plan.window, height / scale, width / scale],
            conditions: conditions, unconditional: unconditional,
            // The ReferenceNet runs once per window at t = 0 with the text the first step is guided by.
            referenceText: try schedule.condition(from: conditions, atStep: 0),
            // The portrait's latent is the same for every window; only the motion frames change.
            portraitLatent: try model.vae.encode(ImageTensorConversion.tensor(from: portrait)),
            audioFeatures: audioFeatures)
    }

    private struct WindowSampler: ClipWindowSampler {
        let model: TalkingHeadModel
        let request: ClipRequest
        let plan: WindowPlan
        let latentShape: [Int]
        let conditions: [Tensor]
        let unconditional: Tensor
        let referenceText: Tensor
        let portraitLatent: Tensor
        let audioFeatures: Tensor?

        func window(_ index: Int, keptFrame: (Int, Int) throws -> RGBImage, step: (Int, Int) throws -> Void) throws -> [RGBImage] {
            let motionLatents: [Tensor]
            if index == 0 {
                motionLatents = Array(repeating: portraitLatent, count: plan.motionFrames)
            } else {
                let previous = plan.keptFrames(ofWindow: index - 1)
                let motion = try (previous.count - plan.motionFrames..<previous.count).map { try keptFrame(index - 1, $0) }
                motionLatents = motion.isEmpty ? [] : [try model.vae.encode(
                    Tensor.concatenateBatch(motion.map { ImageTensorConversion.tensor(from: $0) }))]
            }
            let bank = try model.referenceNet.bank(latents: Tensor.concatenateBatch([portraitLatent] + motionLatents), text: referenceText)
            let audio = try audioFeatures.map { try audioTokens($0, window: index) }
                ?? (model.unet.configuration.hasAudioModules ? silentTokens() : nil)
            let sampler = ProgressiveSampler(
                denoiser: WindowDenoiser(unet: model.unet, audio: audio, reference: bank, masks: request.masks),
                scheduler: model.scheduler)
            var generator = GaussianNoise(seed: request.seed &+ UInt64(index))
            let latents = try sampler.sample(noise: generator.tensor(shape: latentShape), stageConditions: conditions,
                                             unconditional: unconditional, parameters: request.sampling, progress: step)
            guard latents.isFinite else { throw RenderError.nonFinite("the latents of window \(index + 1)") }
            // Frame by frame, so one window of an SD1.5-size VAE decodes in the memory of one frame.
            return try (0..<plan.keptFrames(ofWindow: index).count).map { position -> RGBImage in
                let decoded = try model.vae.decode(latents.videoFrame(position))
                guard decoded.isFinite else { throw RenderError.nonFinite("the decoded frame \(index * plan.window + position + 1)") }
                return try ImageTensorConversion.image(from: decoded)
            }
        }

        /// One window's audio tokens [1, window, N, D_a]: Hallo's 5-frame windows of the features, projected.
        private func audioTokens(_ features: Tensor, window index: Int) throws -> Tensor? {
            guard let projection = model.audioProjection else { return nil }
            let frames = (index * plan.window)..<((index + 1) * plan.window)
            let tokens = try projection(AudioFrameAlignment.windows(features, range: frames))
            return tokens.reshaped([1] + tokens.shape)
        }

        /// The audio condition of a clip without speech: zero tokens, the unconditional audio.
        private func silentTokens() -> Tensor? {
            guard let projection = model.audioProjection else { return nil }
            let tokens = projection.unconditionalTokens(frames: plan.window)
            return tokens.reshaped([1] + tokens.shape)
        }
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
}
