import Foundation
import Tensors

/// What Hallo's ReferenceNet hands the denoiser: for every self-attention of the reference UNet, the normalised
/// tokens entering it (`norm1` output), one item per reference latent (the reference image first, then the
/// motion frames). Entries are in the order Hallo pairs writers with readers: both networks' transformer blocks
/// in module-tree order, stably sorted by decreasing width.
@_spi(Development) public struct ReferenceBank: Sendable {
    /// A transformer block of a UNet: its weight path and token width.
    struct Site: Equatable {
        let path: String
        let width: Int
    }

    /// [R, H*W, C] per reader, in pairing order.
    public let entries: [Tensor]

    public init(entries: [Tensor]) {
        self.entries = entries
    }

    public var count: Int { entries.count }

    /// Motion frames banked after the reference image.
    public var motionFrameCount: Int { max(0, (entries.first?.shape[0] ?? 1) - 1) }

    /// Hallo's pairing order: `sorted(modules, key=lambda m: -m.norm1.normalized_shape[0])`, a stable sort.
    static func pairingOrder(_ sites: [Site]) -> [Site] {
        sites.enumerated().sorted { ($0.element.width, $1.offset) > ($1.element.width, $0.offset) }.map(\.element)
    }
}
