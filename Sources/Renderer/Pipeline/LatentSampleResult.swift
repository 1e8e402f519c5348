import Foundation
import Tensors

/// What `LatentSampling.run` produced: the final latent before VAE decoding, and the schedule it followed.
@_spi(Development) public struct LatentSampleResult: Sendable {
    /// [1, C, h, w], the last scheduler step's output.
    public let latents: Tensor
    /// The timesteps that ran, first to last.
    public let timesteps: [Int]
    /// Each step's prompt weights, coarse first.
    public let weights: [[Double]]
}
