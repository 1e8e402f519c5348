import Foundation
import Tensors

/// diffusers' sinusoidal `Timesteps` projection followed by `TimestepEmbedding` (linear, SiLU, linear).
struct TimestepEmbedding {
    let channels: Int
    let flipSinToCos: Bool
    let frequencyShift: Int
    let linear1: LinearLayer
    let linear2: LinearLayer

    init(_ weights: WeightReader, channels: Int, flipSinToCos: Bool, frequencyShift: Int) throws {
        let width = 4 * channels
        self.channels = channels
        self.flipSinToCos = flipSinToCos
        self.frequencyShift = frequencyShift
        linear1 = try LinearLayer(weights, "time_embedding.linear_1", input: channels, output: width)
        linear2 = try LinearLayer(weights, "time_embedding.linear_2", input: width, output: width)
        embeddingWidth = width
    }

    /// 4x the first block's width, as diffusers' default `time_embedding_dim`.
    let embeddingWidth: Int

    /// [timesteps.count, channels]: sin and cos of t * 10000^(-i / (half - shift)), in float32 as PyTorch computes it.
    func sinusoids(_ timesteps: [Float]) -> Tensor {
        let half = channels / 2
        let logPeriod = Float(-log(10_000.0))
        let frequencies = (0..<half).map { exp(logPeriod * Float($0) / Float(half - frequencyShift)) }
        var values = [Float]()
        values.reserveCapacity(timesteps.count * channels)
        for t in timesteps {
            let angles = frequencies.map { t * $0 }
            let sines = angles.map { sin($0) }, cosines = angles.map { cos($0) }
            values += flipSinToCos ? cosines + sines : sines + cosines
        }
        return Tensor(shape: [timesteps.count, channels], scalars: values)
    }

    func callAsFunction(_ timesteps: [Float]) -> Tensor {
        linear2(linear1(sinusoids(timesteps)).silu())
    }
}
