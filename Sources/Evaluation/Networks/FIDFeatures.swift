import Foundation
import MediaIO
import Tensors

/// The features FID compares: pytorch-fid 0.3.0's Inception pool features, 2048 numbers per image.
///
/// Frames are read as pytorch-fid reads image files (`ToTensor`: 8-bit RGB / 255), resized inside the network to
/// 299x299. Pass the features of two sets to `FrechetDistance.compute` for their FID.
public final class FIDFeatures: @unchecked Sendable {
    public static let dimension = 2048
    /// Frames run through the network this many at a time, which bounds the memory the 299x299 activations take.
    public static let batchSize = 8

    package let network: FIDInceptionV3

    /// Loads `inception.safetensors` from WEIGHTS; refused, naming the file and where it is published, when absent.
    public convenience init(weights: EvaluationWeights = EvaluationWeights()) throws {
        self.init(network: try weights.load(.inception, FIDInceptionV3.init))
    }

    package init(network: FIDInceptionV3) {
        self.network = network
    }

    /// Images [N, 3, H, W] with values in [0, 1] -> [N, 2048], `batchSize` images at a time.
    public func features(_ images: Tensor) -> Tensor {
        let (count, perImage) = (images.shape[0], images.count / max(1, images.shape[0]))
        guard count > Self.batchSize else { return network(images) }
        var values: [Float] = []
        values.reserveCapacity(count * Self.dimension)
        for start in stride(from: 0, to: count, by: Self.batchSize) {
            let end = min(count, start + Self.batchSize)
            let batch = Tensor(shape: [end - start] + Array(images.shape.dropFirst()),
                               scalars: Array(images.scalars[(start * perImage)..<(end * perImage)]))
            values += network(batch).scalars
        }
        return Tensor(shape: [count, Self.dimension], scalars: values)
    }

    /// One 2048-d feature vector per frame; frames may differ in size.
    public func features(of frames: [RGBImage]) throws -> [[Float]] {
        var rows: [[Float]] = []
        var start = 0
        while start < frames.count {
            // A batch holds consecutive frames of one size, so a clip's frames go through together.
            var end = start + 1
            while end < frames.count, end - start < Self.batchSize,
                  frames[end].width == frames[start].width, frames[end].height == frames[start].height { end += 1 }
            let batch = try Self.unitPixels(Array(frames[start..<end]))
            let output = network(batch)
            rows += (0..<(end - start)).map { Array(output.scalars[$0 * Self.dimension..<($0 + 1) * Self.dimension]) }
            start = end
        }
        return rows
    }

    /// Frames of one size as [N, 3, H, W] in [0, 1] (value / 255, as torchvision's `ToTensor`).
    package static func unitPixels(_ frames: [RGBImage]) throws -> Tensor {
        guard let first = frames.first, first.width > 0, first.height > 0 else {
            throw EvaluationError("FID features need at least one non-empty frame")
        }
        let plane = first.width * first.height
        var values = [Float](repeating: 0, count: frames.count * 3 * plane)
        for (item, frame) in frames.enumerated() {
            for index in 0..<plane {
                for channel in 0..<3 {
                    values[(item * 3 + channel) * plane + index] = Float(frame.pixels[3 * index + channel]) / 255
                }
            }
        }
        return Tensor(shape: [frames.count, 3, first.height, first.width], scalars: values)
    }
}
