import Foundation
import Tensors

/// A BatchNorm in evaluation mode (running statistics) folded into the layer before it, in double precision: each
/// output's weights times gamma / sqrt(var + eps), and a bias beta + (bias - mean) x gamma / sqrt(var + eps). PyTorch
/// normalises after the layer instead; the difference is float rounding.
struct FoldedBatchNorm {
    let scale: [Double]
    let shift: [Double]

    /// SCOPE.{weight, bias, running_mean, running_var}, each [outputs].
    init(_ scope: WeightReader, outputs: Int, epsilon: Double) throws {
        let gamma = try scope("weight", shape: [outputs]), beta = try scope("bias", shape: [outputs])
        let mean = try scope("running_mean", shape: [outputs]), variance = try scope("running_var", shape: [outputs])
        let scale = (0..<outputs).map { Double(gamma.scalars[$0]) / (Double(variance.scalars[$0]) + epsilon).squareRoot() }
        shift = (0..<outputs).map { Double(beta.scalars[$0]) - Double(mean.scalars[$0]) * scale[$0] }
        self.scale = scale
    }

    /// WEIGHT [outputs, ...] and its BIAS (none: zero) with the normalisation folded in.
    func fold(weight: Tensor, bias: Tensor?) -> (weight: Tensor, bias: Tensor) {
        var folded = weight.scalars
        let perOutput = weight.count / scale.count
        for output in scale.indices {
            for index in (output * perOutput)..<((output + 1) * perOutput) {
                folded[index] = Float(Double(folded[index]) * scale[output])
            }
        }
        let shifted = scale.indices.map { output in
            Float(shift[output] + (bias.map { Double($0.scalars[output]) * scale[output] } ?? 0))
        }
        return (Tensor(shape: weight.shape, scalars: folded), Tensor(shape: [scale.count], scalars: shifted))
    }
}
