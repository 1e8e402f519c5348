import Foundation

/// A convolution with its weights and bias, as a diffusers `nn.Conv2d` (`NAME.weight`, `NAME.bias`).
package struct Conv2DLayer {
    /// At `WeightPrecision.bf16` the weight rounded to BF16 (the form the Float32 paths run); unpacked on each read
    /// where `bf16Weight` holds it, so a BF16 layer keeps its weight once.
    package var weight: Tensor { bf16Weight?.unpacked ?? floatWeight! }
    private let floatWeight: Tensor?
    package let bias: Tensor
    package let stride: Int
    package let padding: Int
    /// The weight packed for the BF16 direct convolution: at `WeightPrecision.bf16`, for the kernels it takes (odd
    /// square, stride 1, same-size output), on processors with AVX512-BF16.
    package let bf16Weight: BF16ConvolutionWeight?
    /// A Float32 3x3 layer at stride 1 and padding 1 runs the direct kernel or Winograd's, as `ConvolutionChoice` says.
    package let winograd: WinogradLayerWeight?

    /// Padding defaults to kernel / 2 (same-size output at stride 1).
    package init(_ weights: WeightReader, _ name: String, input: Int, output: Int, kernel: Int,
         stride: Int = 1, padding: Int? = nil) throws {
        let weight = try weights.scope(name)("weight", shape: [output, input, kernel, kernel])
        bias = try weights.scope(name)("bias", shape: [output])
        self.stride = stride
        self.padding = padding ?? kernel / 2
        let direct = stride == 1 && kernel > 1 && kernel % 2 == 1 && self.padding == kernel / 2
        let bf16 = weights.precision == .bf16
        bf16Weight = bf16 && direct && WeightPrecision.bf16KernelRuns ? BF16ConvolutionWeight(weight) : nil
        floatWeight = bf16Weight != nil ? nil : bf16 ? weight.map(WeightPrecision.bf16Rounded) : weight
        winograd = bf16 ? nil : WinogradLayerWeight(weight, stride: stride, padding: self.padding)
    }

    package func callAsFunction(_ input: Tensor) -> Tensor {
        if let bf16Weight { return input.directConv2d(weight: bf16Weight, bias: bias) }
        if let winograd { return winograd(input, bias: bias) }
        return input.conv2d(weight: floatWeight!, bias: bias, stride: stride, padding: padding)
    }
}
