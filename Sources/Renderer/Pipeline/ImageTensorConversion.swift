import Foundation
import MediaIO
import Tensors

/// Conversions between 8-bit RGB images and the VAE's [1, 3, H, W] tensors in [-1, 1].
@_spi(Development) public enum ImageTensorConversion {
    /// x / 127.5 - 1 per channel, planar.
    public static func tensor(from image: RGBImage) -> Tensor {
        let plane = image.width * image.height
        var values = [Float](repeating: 0, count: 3 * plane)
        for position in 0..<plane {
            for channel in 0..<3 {
                values[channel * plane + position] = Float(image.pixels[position * 3 + channel]) / 127.5 - 1
            }
        }
        return Tensor(shape: [1, 3, image.height, image.width], scalars: values)
    }

    /// diffusers' postprocessing: (x / 2 + 0.5) clamped to [0, 1], times 255, rounded.
    public static func image(from tensor: Tensor) throws -> RGBImage {
        guard tensor.rank == 4, tensor.shape[0] == 1, tensor.shape[1] == 3 else {
            throw TensorError.shapeMismatch("an image tensor must be [1, 3, H, W], got \(tensor.shape)")
        }
        let (height, width) = (tensor.shape[2], tensor.shape[3])
        let plane = width * height
        var pixels = [UInt8](repeating: 0, count: 3 * plane)
        for position in 0..<plane {
            for channel in 0..<3 {
                let value = min(1, max(0, tensor.scalars[channel * plane + position] / 2 + 0.5))
                pixels[position * 3 + channel] = UInt8((value * 255).rounded())
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
