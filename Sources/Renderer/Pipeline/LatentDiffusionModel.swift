import CLIPTokenization
import Foundation
import Tensors

/// What an image checkpoint and a talking-head checkpoint share: the CLIP text encoder and the VAE around a
/// denoiser of some sample size.
package protocol LatentDiffusionModel: AnyObject {
    var tokenizer: CLIPTokenizer { get }
    var textEncoder: CLIPTextModel { get }
    var vae: AutoencoderKL { get }
    /// The denoiser's configured sample size in latent positions, when its config gives one.
    var latentSampleSize: Int? { get }
}

extension LatentDiffusionModel {
    /// Pixels per latent position (8 for SD1.5).
    package var vaeScale: Int { 1 << (vae.configuration.blockOutChannels.count - 1) }

    /// The denoiser's sample size in pixels (512 for SD1.5), the default frame size.
    package var defaultImageSize: Int { (latentSampleSize ?? 64) * vaeScale }

    /// The text condition [1, 77, width] of one prompt.
    package func embed(_ prompt: String, clipSkip: Int = 0) throws -> Tensor {
        try textEncoder.condition([tokenizer.encode(prompt)], clipSkip: clipSkip)
    }
}
