import Foundation

/// A convolution with its weights and bias, as a diffusers `nn.Conv2d` (`NAME.weight`, `NAME.bias`).
package struct Conv2DLayer {
    package let weight: Tensor
    package let bias: Tensor
    package let stride: Int
    package let padding: Int

    /// Padding defaults to kernel / 2 (same-size output at stride 1).
    package init(_ weights: WeightReader, _ name: String, input: Int, output: Int, kernel: Int,
         stride: Int = 1, padding: Int? = nil) throws {
        weight = try weights.scope(name)("weight", shape: [output, input, kernel, kernel])
        bias = try weights.scope(name)("bias", shape: [output])
        self.stride = stride
        self.padding = padding ?? kernel / 2
    }

    package func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
    }
}
