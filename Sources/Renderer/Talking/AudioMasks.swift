import Foundation
import Tensors

/// The three regions Hallo's masked audio attention weights (full frame, face, lips), each [h, w] at the latent
/// resolution with values in 0...1. UNet level l reads them either as given per level (Hallo's inference resizes
/// each mask image to every level's size) or, when only the latent-size masks are given, average-pooled by 2^l
/// (torch `avg_pool2d(mask, 2**l)`, as Hallo's training code derives them).
public struct AudioMasks: Sendable {
    public var full, face, lip: Tensor
    /// Per level l >= 1: full, face and lip, each [h >> l, w >> l]; nil pools the level-0 masks.
    private var explicitLevels: [[Tensor]]?

    public init(full: Tensor, face: Tensor, lip: Tensor) {
        self.full = full
        self.face = face
        self.lip = lip
    }

    /// LEVELS[l] holds the full, face and lip masks of UNet level l, each [h >> l, w >> l] where [h, w] is
    /// level 0's (the latent size).
    public init(levels: [(full: Tensor, face: Tensor, lip: Tensor)]) throws {
        guard let first = levels.first else { throw TensorError.shapeMismatch("audio masks need at least the latent level") }
        self.init(full: first.full, face: first.face, lip: first.lip)
        let (height, width) = (first.full.shape.first ?? 0, first.full.shape.last ?? 0)
        for (level, masks) in levels.enumerated() {
            for mask in [masks.full, masks.face, masks.lip] where mask.shape != [height >> level, width >> level] {
                throw TensorError.shapeMismatch("level \(level) mask \(mask.shape) is not [\(height >> level), \(width >> level)]")
            }
        }
        explicitLevels = levels.map { [$0.full, $0.face, $0.lip] }
    }

    /// All ones: what Hallo's masked form reduces to when nothing is masked.
    public static func ones(height: Int, width: Int) -> AudioMasks {
        let one = Tensor(repeating: 1, shape: [height, width])
        return AudioMasks(full: one, face: one, lip: one)
    }

    /// LEVELS: how many UNet levels will read the masks.
    func check(height: Int, width: Int, levels: Int) throws {
        for (name, mask) in [("full_mask", full), ("face_mask", face), ("lip_mask", lip)] where mask.shape != [height, width] {
            throw TensorError.shapeMismatch("\(name) \(mask.shape) is not the latent size [\(height), \(width)]")
        }
        if let explicitLevels, explicitLevels.count < levels {
            throw TensorError.shapeMismatch("audio masks were given for \(explicitLevels.count) levels; the UNet reads \(levels)")
        }
    }

    /// The masks of UNet level `level`, each flattened row-major to [h_l * w_l].
    func pooled(level: Int) -> [Tensor] {
        if let explicitLevels {
            precondition(level < explicitLevels.count, "audio masks were given for \(explicitLevels.count) levels, level \(level) asked")
            return explicitLevels[level].map { $0.reshaped([-1]) }
        }
        return [full, face, lip].map { Self.averagePool($0, size: 1 << level) }
    }

    /// Non-overlapping `size` x `size` averages, the remainder rows and columns dropped (PyTorch's floor mode).
    static func averagePool(_ mask: Tensor, size: Int) -> Tensor {
        let (height, width) = (mask.shape[0], mask.shape[1])
        let (outHeight, outWidth) = (height / size, width / size)
        var values = [Float](repeating: 0, count: outHeight * outWidth)
        let scale = 1 / Float(size * size)
        for row in 0..<outHeight {
            for column in 0..<outWidth {
                var sum: Float = 0
                for y in row * size..<(row + 1) * size {
                    for x in column * size..<(column + 1) * size { sum += mask.scalars[y * width + x] }
                }
                values[row * outWidth + column] = sum * scale
            }
        }
        return Tensor(shape: [outHeight * outWidth], scalars: values)
    }
}
