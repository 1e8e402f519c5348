import Foundation
import MediaIO
import Tensors

/// Renders a clip with an image checkpoint: per frame, progressive-guidance sampling with the model's scheduler
/// (from noise, or from the reference frame's latent at a strength) and VAE decoding. Each frame is a window of
/// its own.
public final class ImageClipRenderer: ClipRenderer {
    public let model: StableDiffusionModel

    public init(model: StableDiffusionModel) { self.model = model }

    public var progressUnit: RenderProgress.Unit { .frame }
    public var defaultImageSize: Int { model.defaultImageSize }
    public var notices: [String] {
        ["this checkpoint is an image model: frames are sampled one by one (no ReferenceNet, motion or audio modules, so no lip sync)"]
    }

    public func prepare(_ request: ClipRequest) throws -> PreparedClip {
        PreparedClip(request: request, plan: try WindowPlan(frames: request.frames, window: 1, motionFrames: 0),
                     width: request.width ?? model.defaultImageSize, height: request.height ?? model.defaultImageSize)
    }

    public func windows(of clip: PreparedClip) throws -> any ClipWindowSampler {
        let request = clip.request, scale = model.vaeScale
        let (width, height) = (clip.width, clip.height)
        let multiple = scale << (model.unet.configuration.blockOutChannels.count - 1)
        guard width > 0, height > 0, width % multiple == 0, height % multiple == 0 else {
            throw RenderError.invalid("frame size \(width)x\(height) must be a positive multiple of \(multiple)")
        }
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
        _ = try sampler.timesteps(request.sampling)  // checks steps and strength before anything is sampled
        return FrameSampler(model: model, sampler: sampler, request: request, latentShape: latentShape,
                            conditions: conditions, unconditional: unconditional, referenceLatents: referenceLatents)
    }

    private struct FrameSampler: ClipWindowSampler {
        let model: StableDiffusionModel
        let sampler: ProgressiveSampler
        let request: ClipRequest
        let latentShape: [Int]
        let conditions: [Tensor]
        let unconditional: Tensor
        let referenceLatents: Tensor?

        func window(_ frame: Int, keptFrame: (Int, Int) throws -> RGBImage, step: (Int, Int) throws -> Void) throws -> [RGBImage] {
            let noise: Tensor
            if let given = request.initialNoise {
                noise = given.shape[0] == 1 ? given : given.batchItem(frame)
            } else {
                var generator = GaussianNoise(seed: request.seed &+ UInt64(frame))
                noise = generator.tensor(shape: latentShape)
            }
            let latents = try sampler.sample(noise: noise, stageConditions: conditions, unconditional: unconditional,
                                             reference: referenceLatents, parameters: request.sampling, progress: step)
            // NaN or infinite weights give an all-black clip that looks like a success: refuse it instead.
            guard latents.isFinite else { throw RenderError.nonFinite("the latents of frame \(frame)") }
            let decoded = try model.vae.decode(latents)
            guard decoded.isFinite else { throw RenderError.nonFinite("the decoded image of frame \(frame)") }
            return [try ImageTensorConversion.image(from: decoded)]
        }
    }
}
