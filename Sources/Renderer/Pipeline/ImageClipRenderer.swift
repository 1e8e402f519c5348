import FileAccess
import Foundation
import MediaIO
import Tensors

/// Renders a clip: per frame, progressive-guidance sampling with the model's scheduler (from noise, or from the
/// reference frame's latent at a strength), VAE decoding, and MP4 encoding; then a PNG of the first frame and a contact sheet.
/// Files appear under their names only when complete: the video through `VideoWriter`'s rename, the images
/// through atomic writes after the video is finished; a cancelled or failed render leaves none of them.
public struct ClipRenderer {
    public let model: StableDiffusionModel

    public init(model: StableDiffusionModel) { self.model = model }

    /// `name` is the file stem: NAME.mp4, NAME.png, NAME-sheet.png in `directory`. `progress` may throw
    /// (`RenderError.cancelled`) to stop between steps.
    public func render(_ request: ClipRequest, directory: URL, name: String,
                       progress: (RenderProgress) throws -> Void = { _ in }) throws -> ClipResult {
        let start = Date()
        let scale = model.vaeScale
        let width = request.width ?? model.defaultImageSize, height = request.height ?? model.defaultImageSize
        guard width > 0, height > 0, width % scale == 0, height % scale == 0,
              (height / scale) % (1 << (model.unet.configuration.blockOutChannels.count - 1)) == 0,
              (width / scale) % (1 << (model.unet.configuration.blockOutChannels.count - 1)) == 0 else {
            throw RenderError.invalid("frame size \(width)x\(height) must be a positive multiple of \(scale << (model.unet.configuration.blockOutChannels.count - 1))")
        }
        guard request.frames > 0 else { throw RenderError.invalid("frames must be positive") }
        let latentShape = [1, model.unet.configuration.inChannels, height / scale, width / scale]
        if let noise = request.initialNoise {
            guard Array(noise.shape.dropFirst()) == Array(latentShape.dropFirst()), noise.shape[0] == 1 || noise.shape[0] == request.frames else {
                throw RenderError.invalid("initial noise \(noise.shape) does not fit \(request.frames) frames of \(latentShape)")
            }
        }
        let conditions = try request.prompts.map { try model.embed($0, clipSkip: request.clipSkip) }
        let unconditional = try model.embed(request.negativePrompt, clipSkip: request.clipSkip)
        var referenceLatents: Tensor?
        if request.sampling.strength < 1 {
            guard let reference = request.reference else { throw RenderError.invalid("strength below 1 needs a reference frame") }
            let fitted = reference.width == width && reference.height == height ? reference : try reference.scaled(width: width, height: height)
            referenceLatents = try model.vae.encode(ImageTensorConversion.tensor(from: fitted))
        }
        let sampler = ProgressiveSampler(unet: model.unet, scheduler: model.scheduler)
        _ = try sampler.timesteps(request.sampling)  // checks steps and strength before any file is opened

        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw RenderError.invalid("cannot create the output folder \(FileErrorText.describe(error, path: directory.path))")
        }
        // A render killed outright (SIGKILL, a lost machine) leaves its temporary files behind; nobody else cleans them.
        PartialFile.removeAbandoned(in: directory.path)
        let videoURL = directory.appendingPathComponent(name + ".mp4")
        let writer = try VideoWriter(path: videoURL.path, width: width, height: height, fps: request.fps, audioPath: request.audioPath)
        var frames = [RGBImage]()
        let summary: VideoWriterSummary
        do {
            for frame in 0..<request.frames {
                let noise: Tensor
                if let given = request.initialNoise {
                    noise = given.shape[0] == 1 ? given : given.batchItem(frame)
                } else {
                    var generator = GaussianNoise(seed: request.seed &+ UInt64(frame))
                    noise = generator.tensor(shape: latentShape)
                }
                let latents = try sampler.sample(noise: noise, stageConditions: conditions, unconditional: unconditional,
                                                 reference: referenceLatents, parameters: request.sampling) { step, steps in
                    try progress(RenderProgress(frame: frame, frameCount: request.frames, step: step, stepCount: steps,
                                                elapsedSeconds: Date().timeIntervalSince(start)))
                }
                // NaN or infinite weights give an all-black clip that looks like a success: refuse it instead.
                guard latents.isFinite else { throw RenderError.nonFinite("the latents of frame \(frame)") }
                let decoded = try model.vae.decode(latents)
                guard decoded.isFinite else { throw RenderError.nonFinite("the decoded image of frame \(frame)") }
                let image = try ImageTensorConversion.image(from: decoded)
                try writer.append(image)
                frames.append(image)
            }
            summary = try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
        return try ClipStills.finish(video: videoURL, summary: summary, sampled: ClipStills.sheetFrames(of: frames.count).map { frames[$0] },
                                     width: width, height: height, frames: request.frames, start: start)
    }
}
