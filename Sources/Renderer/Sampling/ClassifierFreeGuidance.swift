import Foundation
import Tensors

/// Classifier-free guidance as diffusers' Stable Diffusion pipelines apply it.
@_spi(Development) public enum ClassifierFreeGuidance {
    /// uncond + scale * (cond - uncond), then, with `rescale` phi > 0, the guidance rescale of Lin et al. 2023:
    /// the guided output scaled to the per-item standard deviation of the conditional one, mixed back by phi.
    public static func combine(unconditional: Tensor, conditional: Tensor, scale: Float, rescale: Float = 0) -> Tensor {
        precondition(unconditional.shape == conditional.shape, "guidance halves differ: \(unconditional.shape) vs \(conditional.shape)")
        let guided = unconditional.zip(conditional) { u, c in u + scale * (c - u) }
        guard rescale > 0 else { return guided }
        return rescaled(guided: guided, conditional: conditional, phi: rescale)
    }

    /// diffusers' `rescale_noise_cfg`: std over every dimension but the first (unbiased, as torch.std).
    public static func rescaled(guided: Tensor, conditional: Tensor, phi: Float) -> Tensor {
        let batch = guided.shape.first ?? 1
        let size = guided.count / max(1, batch)
        var result = guided
        for item in 0..<batch {
            let range = item * size..<(item + 1) * size
            let ratio = standardDeviation(conditional.scalars[range]) / standardDeviation(guided.scalars[range])
            for index in range {
                let value = Double(guided.scalars[index])
                result.scalars[index] = Float(Double(phi) * value * ratio + (1 - Double(phi)) * value)
            }
        }
        return result
    }

    static func standardDeviation(_ values: ArraySlice<Float>) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let squares = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
        return (squares / Double(values.count - 1)).squareRoot()
    }
}
