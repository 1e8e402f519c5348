import Foundation
import Tensors

/// torchvision's `BasicConv2d` as pytorch-fid's Inception uses it: a convolution without bias, BatchNorm (eps 0.001,
/// running statistics) and ReLU. The BatchNorm is folded into the convolution at load, in double precision:
/// kernel x gamma / sqrt(var + eps) and a bias beta - mean x gamma / sqrt(var + eps), one product per output where
/// PyTorch's evaluation mode computes the normalisation after the convolution (the difference is float rounding).
struct FoldedConvolution {
    static let epsilon = 0.001

    let weight: Tensor
    let bias: Tensor
    let stride: Int
    let padding: (height: Int, width: Int)

    /// NAME.conv.weight [output, input, kernel.height, kernel.width] and NAME.bn.{weight, bias, running_mean,
    /// running_var} [output].
    init(_ weights: WeightReader, _ name: String, input: Int, output: Int, kernel: (height: Int, width: Int),
         stride: Int = 1, padding: (height: Int, width: Int) = (0, 0)) throws {
        (weight, bias) = try Self.folded(weights.scope(name), kernel: [output, input, kernel.height, kernel.width])
        self.stride = stride
        self.padding = padding
    }

    /// CONVOLUTION.weight of KERNEL's shape [output, input, ...] with bn.{weight, bias, running_mean, running_var}
    /// [output] folded in, in double precision: the kernel and the bias of the convolution that computes the
    /// convolution then the BatchNorm (eps 0.001).
    static func folded(_ scope: WeightReader, kernel shape: [Int], convolution: String = "conv") throws -> (weight: Tensor, bias: Tensor) {
        let output = shape[0]
        let kernelWeight = try scope(convolution + ".weight", shape: shape)
        let gamma = try scope("bn.weight", shape: [output]), beta = try scope("bn.bias", shape: [output])
        let mean = try scope("bn.running_mean", shape: [output]), variance = try scope("bn.running_var", shape: [output])
        var folded = kernelWeight.scalars
        var shift = [Float](repeating: 0, count: output)
        let perOutput = kernelWeight.count / output
        for channel in 0..<output {
            let scale = Double(gamma.scalars[channel]) / (Double(variance.scalars[channel]) + Self.epsilon).squareRoot()
            for index in (channel * perOutput)..<((channel + 1) * perOutput) {
                folded[index] = Float(Double(folded[index]) * scale)
            }
            shift[channel] = Float(Double(beta.scalars[channel]) - Double(mean.scalars[channel]) * scale)
        }
        return (Tensor(shape: shape, scalars: folded), Tensor(shape: [output], scalars: shift))
    }

    /// A square kernel with the same padding on every side.
    init(_ weights: WeightReader, _ name: String, input: Int, output: Int, kernel: Int, stride: Int = 1, padding: Int = 0) throws {
        try self.init(weights, name, input: input, output: output, kernel: (kernel, kernel), stride: stride, padding: (padding, padding))
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding).relu()
    }
}
