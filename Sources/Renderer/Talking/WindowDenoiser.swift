import Tensors

/// The talking-head denoiser for one window, as Hallo's pipeline guides it: a batch of two, the unconditional row
/// with the negative prompt, zero audio tokens and plain self-attention (no reference), the conditional row with
/// the text condition, the window's audio tokens and the ReferenceNet's bank.
struct WindowDenoiser: GuidedDenoiser, @unchecked Sendable {
    let unet: VideoUNet
    /// [1, F, N, D_a]; nil when the denoiser has no audio modules.
    let audio: Tensor?
    let reference: ReferenceBank?
    let masks: AudioMasks?

    func predictions(latents: Tensor, timestep: Int, condition: Tensor, unconditional: Tensor) throws
        -> (unconditional: Tensor, conditional: Tensor) {
        let audioBatch = audio.map { Tensor.concatenateBatch([Tensor(zeros: $0.shape), $0]) }
        let output = try unet(Tensor.concatenateBatch([latents, latents]), timestep: Float(timestep),
                              text: Tensor.concatenateBatch([unconditional, condition]), audio: audioBatch,
                              reference: reference, referenceRows: [false, true], masks: masks)
        return (output.batchItem(0), output.batchItem(1))
    }
}
