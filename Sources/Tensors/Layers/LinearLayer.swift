import Foundation

/// A linear layer (`NAME.weight` [out, in], and `NAME.bias` when it has one), its weight packed at load.
package struct LinearLayer {
    package let weight: PackedLinearWeight
    package let bias: Tensor?

    package init(_ weights: WeightReader, _ name: String, input: Int, output: Int, bias hasBias: Bool = true) throws {
        weight = PackedLinearWeight(try weights.scope(name)("weight", shape: [output, input]), precision: weights.precision)
        bias = hasBias ? try weights.scope(name)("bias", shape: [output]) : nil
    }

    /// A 1x1 convolution's weight (`NAME.weight` [out, in, 1, 1]) as the linear layer it is on channels-last tokens:
    /// run on the packed product where the tokens already are, rather than as a convolution on [N, C, H, W].
    package init(convolution1x1 weights: WeightReader, _ name: String, input: Int, output: Int) throws {
        let kernel = try weights.scope(name)("weight", shape: [output, input, 1, 1])
        weight = PackedLinearWeight(kernel.reshaped([output, input]), precision: weights.precision)
        bias = try weights.scope(name)("bias", shape: [output])
    }

    package func callAsFunction(_ input: Tensor) -> Tensor { input.linear(weight, bias: bias) }
}
