import Tensors

/// The network half of a guided denoising step: its outputs for the unconditional and the conditional input at one
/// timestep. The sampler owns the schedule, the guidance and the scheduler; a denoiser owns how the network runs.
@_spi(Development) public protocol GuidedDenoiser: Sendable {
    func predictions(latents: Tensor, timestep: Int, condition: Tensor, unconditional: Tensor) throws
        -> (unconditional: Tensor, conditional: Tensor)
}

/// SD1.5's image UNet: one batch of two, unconditional first, as diffusers' pipelines evaluate guidance.
@_spi(Development) public struct ImageDenoiser: GuidedDenoiser {
    public let unet: UNet2DConditionModel

    public init(unet: UNet2DConditionModel) { self.unet = unet }

    public func predictions(latents: Tensor, timestep: Int, condition: Tensor, unconditional: Tensor) throws
        -> (unconditional: Tensor, conditional: Tensor) {
        let output = try unet(Tensor.concatenateBatch([latents, latents]), timesteps: [Float(timestep)],
                              context: Tensor.concatenateBatch([unconditional, condition]))
        return (output.batchItem(0), output.batchItem(1))
    }
}
