import Foundation

/// A convolution with its weights and bias, as a diffusers `nn.Conv2d` (`NAME.weight`, `NAME.bias`).
package struct Conv2DLayer {
    /// At `WeightPrecision.bf16` the weight rounded to BF16 (the form the Float32 paths run); unpacked on each read
    /// where `bf16Weight` or `bf16Product` holds it, so a BF16 layer keeps its weight once.
    package var weight: Tensor {
        bf16Weight?.unpacked ?? bf16Product.map { $0.unpacked.reshaped([$0.outputWidth, $0.inputWidth / (kernel * kernel), kernel, kernel]) }
            ?? candidates?.float32Weight ?? floatWeight!
    }
    /// The Float32 weight of a layer without candidates (`candidates` holds it otherwise).
    private let floatWeight: Tensor?
    package let bias: Tensor
    package let stride: Int
    package let padding: Int
    /// The weight packed for the BF16 direct convolution: at `WeightPrecision.bf16`, for the kernels it takes (odd
    /// square, stride 1, same-size output), on processors with AVX512-BF16.
    package let bf16Weight: BF16ConvolutionWeight?
    /// The weight [O, C*k*k] packed for the BF16 product: at `WeightPrecision.bf16` on AVX512-BF16, for the kernels the
    /// direct convolution does not take (1x1, strided), run as one product over unfolded patches (`productConv2d`).
    package let bf16Product: PackedLinearWeight?
    private let kernel: Int
    /// A 3x3 layer at stride 1 and padding 1 runs the direct kernel (Float32's, or BF16's at bf16), Winograd's or
    /// the unfolded product, as `ConvolutionChoice` says.
    package let candidates: ConvolutionCandidates?

    /// Padding defaults to kernel / 2 (same-size output at stride 1).
    package init(_ weights: WeightReader, _ name: String, input: Int, output: Int, kernel: Int,
         stride: Int = 1, padding: Int? = nil) throws {
        let weight = try weights.scope(name)("weight", shape: [output, input, kernel, kernel])
        bias = try weights.scope(name)("bias", shape: [output])
        self.stride = stride
        self.padding = padding ?? kernel / 2
        let direct = stride == 1 && kernel > 1 && kernel % 2 == 1 && self.padding == kernel / 2
        let bf16 = weights.precision == .bf16
        self.kernel = kernel
        let bf16Kernels = bf16 && WeightPrecision.bf16KernelRuns
        bf16Weight = bf16Kernels && direct ? BF16ConvolutionWeight(weight) : nil
        bf16Product = bf16Kernels && !direct ? PackedLinearWeight(weight.reshaped([output, input * kernel * kernel]), precision: .bf16) : nil
        let float = bf16Kernels ? nil : bf16 ? weight.map(WeightPrecision.bf16Rounded) : weight
        // Without the BF16 kernels a bf16 layer is its BF16-rounded weight on the Float32 kernels, Winograd included.
        let padding = self.padding
        candidates = bf16Weight.flatMap { ConvolutionCandidates(bf16: $0, stride: stride, padding: padding) }
            ?? float.flatMap { ConvolutionCandidates($0, stride: stride, padding: padding) }
        floatWeight = candidates == nil ? float : nil
    }

    package func callAsFunction(_ input: Tensor) -> Tensor {
        if let candidates { return candidates(input, bias: bias) }
        if let bf16Weight { return input.directConv2d(weight: bf16Weight, bias: bias) }
        if let bf16Product { return input.productConv2d(weight: bf16Product, bias: bias, kernel: kernel, stride: stride, padding: padding) }
        return input.conv2d(weight: floatWeight!, bias: bias, stride: stride, padding: padding)
    }
}
