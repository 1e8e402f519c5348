import Foundation
import Tensors

/// Hallo's ReferenceNet: an SD UNet (`reference_unet/`) run once per window at timestep 0 on the latents of the
/// reference image and the motion frames, with the text condition, banking the normalised tokens entering each
/// self-attention (the writer side of Hallo's `ReferenceAttentionControl`, `fusion_blocks="full"`). The pass
/// ends after the last transformer block: the rest of the UNet's output is never used.
@_spi(Development) public final class ReferenceNet: @unchecked Sendable {
    let unet: UNet2DConditionModel
    /// Writer site paths in Hallo's pairing order.
    let order: [String]

    init(unet: UNet2DConditionModel) {
        self.unet = unet
        order = ReferenceBank.pairingOrder(unet.transformerSites).map(\.path)
    }

    /// A `reference_unet/` folder: a diffusers UNet2DConditionModel config and weights, the output head
    /// (`conv_norm_out`, `conv_out`) not needed (Hallo's reference UNet has none).
    public convenience init(directory: URL) throws {
        let configuration = try UNetConfiguration.load(from: directory.appendingPathComponent("config.json"))
        let weights = try SafeTensorsFile(contentsOf: DiffusersModelFolder.weightsFile(in: directory))
        self.init(unet: try UNet2DConditionModel(configuration: configuration, source: weights, outputHead: false))
        // A full SD UNet's weights (a reference UNet started from SD1.5) still carry the output head it never runs.
        try weights.requireEveryTensorRead(ignoring: { $0.hasPrefix("conv_norm_out.") || $0.hasPrefix("conv_out.") })
    }

    /// How many bank entries it writes.
    public var writerCount: Int { order.count }

    /// `latents` [R, 4, h, w] (reference first, then motion frames, VAE means x 0.18215); `text` [1, L, D],
    /// shared by every latent.
    public func bank(latents: Tensor, text: Tensor) throws -> ReferenceBank {
        let configuration = unet.configuration
        guard latents.rank == 4, latents.shape[0] > 0, latents.shape[1] == configuration.inChannels else {
            throw TensorError.shapeMismatch("reference latents \(latents.shape) are not [R, \(configuration.inChannels), h, w]")
        }
        let factor = 1 << (configuration.blockOutChannels.count - 1)
        guard latents.shape[2] % factor == 0, latents.shape[3] % factor == 0 else {
            throw TensorError.shapeMismatch("reference latent size \(latents.shape[2])x\(latents.shape[3]) is not a multiple of \(factor)")
        }
        guard text.rank == 3, text.shape[0] == 1, configuration.crossAttentionDim.allSatisfy({ $0 == text.shape[2] }) else {
            throw TensorError.shapeMismatch("reference text condition \(text.shape) is not [1, L, \(configuration.crossAttentionDim[0])]")
        }
        let writes = unet.referenceWrites(latents, timestep: 0, context: text.repeatingItems(latents.shape[0]))
        return ReferenceBank(entries: order.map { writes[$0]! })
    }
}
