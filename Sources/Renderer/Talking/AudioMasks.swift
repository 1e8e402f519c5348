import Foundation
import Tensors

/// The three regions Hallo's masked audio attention weights (full frame, face, lips), each [h, w] at the latent
/// resolution with values in 0...1. UNet level l reads them average-pooled by 2^l (torch `avg_pool2d(mask, 2**l)`).
public struct AudioMasks: Sendable {
    public var full, face, lip: Tensor

    public init(full: Tensor, face: Tensor, lip: Tensor) {
        self.full = full
        self.face = face
        self.lip = lip
    }

    /// All ones: what Hallo's masked form reduces to when nothing is masked.
    public static func ones(height: Int, width: Int) -> AudioMasks {
        let one = Tensor(repeating: 1, shape: [height, width])
        return AudioMasks(full: one, face: one, lip: one)
    }

    func check(height: Int, width: Int) throws {
        for (name, mask) in [("full_mask", full), ("face_mask", face), ("lip_mask", lip)] where mask.shape != [height, width] {
            throw TensorError.shapeMismatch("\(name) \(mask.shape) is not the latent size [\(height), \(width)]")
        }
    }

    /// The masks of UNet level `level`, each flattened row-major to [h_l * w_l].
    func pooled(level: Int) -> [Tensor] {
        [full, face, lip].map { Self.averagePool($0, size: 1 << level) }
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
