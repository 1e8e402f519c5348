import Foundation
import MediaIO
import Tensors

/// The learned perceptual distance of lpips 0.1.4 (`LPIPS(net="alex", version="0.1")`): AlexNet features of both
/// images after the package's `ScalingLayer`, each unit-normalised over its channels, squared differences weighed
/// by the package's linear layers (1x1 convolutions, no bias), averaged over positions and summed over the five
/// layers. 0 for identical images; larger is more different.
public final class LPIPS: @unchecked Sendable {
    /// `ScalingLayer`'s shift and scale per RGB channel, applied to inputs in [-1, 1].
    static let shift: [Float] = [-0.030, -0.088, -0.188]
    static let scale: [Float] = [0.458, 0.448, 0.450]
    /// `normalize_tensor`'s epsilon, added to the norm.
    static let epsilon: Float = 1e-10

    package let backbone: AlexNetFeatures
    /// One [C] weight vector per layer (`linK.model.1.weight` [1, C, 1, 1]).
    package let linear: [Tensor]

    /// Loads `alexnet.safetensors` and `lpips-alex-linear.safetensors` from WEIGHTS; refused, naming the missing
    /// file and where its original is published.
    public convenience init(weights: EvaluationWeights = EvaluationWeights()) throws {
        try self.init(backbone: weights.load(.alexnet, AlexNetFeatures.init), linear: weights.load(.lpipsLinear, Self.linearLayers))
    }

    package init(backbone: AlexNetFeatures, linear: [Tensor]) {
        self.backbone = backbone
        self.linear = linear
    }

    package static func linearLayers(_ weights: WeightReader) throws -> [Tensor] {
        try AlexNetFeatures.channels.enumerated().map { layer, channels in
            try weights("lin\(layer).model.1.weight", shape: [1, channels, 1, 1]).reshaped([channels])
        }
    }

    /// The distance of each pair: A and B are [N, 3, H, W] with values in [-1, 1], of the same shape.
    public func distances(_ a: Tensor, _ b: Tensor) throws -> [Float] {
        let layers = try layerDistances(a, b)
        return (0..<layers.shape[0]).map { item in (0..<layers.shape[1]).reduce(0) { $0 + layers.scalars[item * layers.shape[1] + $1] } }
    }

    /// The distance of two frames of the same size, read as lpips's `im2tensor` reads images (value / 127.5 - 1).
    public func distance(_ a: RGBImage, _ b: RGBImage) throws -> Float {
        guard a.width == b.width, a.height == b.height else {
            throw EvaluationError("LPIPS compares images of one size: \(a.width)x\(a.height) against \(b.width)x\(b.height)")
        }
        return try distances(Self.signedPixels(a), Self.signedPixels(b))[0]
    }

    /// Each pair's contribution from each of the five layers, [N, 5] (lpips's `retPerLayer`).
    package func layerDistances(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.shape == b.shape, a.rank == 4, a.shape[1] == 3 else {
            throw EvaluationError("LPIPS compares two [N, 3, H, W] batches of one shape, got \(a.shape) and \(b.shape)")
        }
        // AlexNet's first convolution (11x11, stride 4, padding 2) and three 3x3 stride-2 pools need 31 pixels.
        guard a.shape[2] >= 31, a.shape[3] >= 31 else {
            throw EvaluationError("LPIPS needs images of at least 31x31 pixels, got \(a.shape[3])x\(a.shape[2])")
        }
        let (first, second) = (backbone(Self.scaled(a)), backbone(Self.scaled(b)))
        let batch = a.shape[0]
        var result = [Float](repeating: 0, count: batch * first.count)
        for layer in 0..<first.count {
            let values = Self.weighedSquaredDifference(first[layer], second[layer], weights: linear[layer])
            for item in 0..<batch { result[item * first.count + layer] = values[item] }
        }
        return Tensor(shape: [batch, first.count], scalars: result)
    }

    /// (x - shift) / scale per channel.
    static func scaled(_ images: Tensor) -> Tensor {
        var result = images
        let plane = images.shape[2] * images.shape[3]
        for index in 0..<result.count {
            let channel = (index / plane) % 3
            result.scalars[index] = (result.scalars[index] - shift[channel]) / scale[channel]
        }
        return result
    }

    /// For one layer's features [N, C, H, W] of both images: each position's features divided by their norm over
    /// the channels (plus epsilon), the squared differences weighed by WEIGHTS and summed over channels, then
    /// averaged over the positions; one value per pair.
    static func weighedSquaredDifference(_ first: Tensor, _ second: Tensor, weights: Tensor) -> [Float] {
        let (batch, channels, positions) = (first.shape[0], first.shape[1], first.shape[2] * first.shape[3])
        return (0..<batch).map { item in
            let base = item * channels * positions
            var total: Float = 0
            for position in 0..<positions {
                var normFirst: Float = 0, normSecond: Float = 0
                for channel in 0..<channels {
                    let (x, y) = (first.scalars[base + channel * positions + position], second.scalars[base + channel * positions + position])
                    normFirst += x * x
                    normSecond += y * y
                }
                let (divisorFirst, divisorSecond) = (normFirst.squareRoot() + epsilon, normSecond.squareRoot() + epsilon)
                var weighed: Float = 0
                for channel in 0..<channels {
                    let offset = base + channel * positions + position
                    let difference = first.scalars[offset] / divisorFirst - second.scalars[offset] / divisorSecond
                    weighed += weights.scalars[channel] * difference * difference
                }
                total += weighed
            }
            return total / Float(positions)
        }
    }

    /// An 8-bit frame as [1, 3, H, W] in [-1, 1].
    package static func signedPixels(_ image: RGBImage) -> Tensor {
        let plane = image.width * image.height
        var values = [Float](repeating: 0, count: 3 * plane)
        for index in 0..<plane {
            for channel in 0..<3 { values[channel * plane + index] = Float(image.pixels[3 * index + channel]) / 127.5 - 1 }
        }
        return Tensor(shape: [1, 3, image.height, image.width], scalars: values)
    }
}
