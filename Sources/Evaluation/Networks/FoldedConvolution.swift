import Foundation
import Tensors

/// torchvision's `BasicConv2d` as pytorch-fid's Inception uses it: a convolution without bias, BatchNorm (eps 0.001,
/// running statistics) and ReLU, the BatchNorm folded into the convolution at load (`FoldedBatchNorm`).
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
        let scope = weights.scope(name)
        let kernelWeight = try scope("conv.weight", shape: [output, input, kernel.height, kernel.width])
        (weight, bias) = try FoldedBatchNorm(scope.scope("bn"), outputs: output, epsilon: Self.epsilon).fold(weight: kernelWeight, bias: nil)
        self.stride = stride
        self.padding = padding
    }

    /// A square kernel with the same padding on every side.
    init(_ weights: WeightReader, _ name: String, input: Int, output: Int, kernel: Int, stride: Int = 1, padding: Int = 0) throws {
        try self.init(weights, name, input: input, output: output, kernel: (kernel, kernel), stride: stride, padding: (padding, padding))
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding).relu()
    }
}
