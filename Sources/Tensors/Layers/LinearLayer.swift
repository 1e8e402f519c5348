import Foundation

/// A linear layer (`NAME.weight` [out, in], and `NAME.bias` when it has one), its weight packed at load.
package struct LinearLayer {
    package let weight: PackedLinearWeight
    package let bias: Tensor?

    package init(_ weights: WeightReader, _ name: String, input: Int, output: Int, bias hasBias: Bool = true) throws {
        weight = PackedLinearWeight(try weights.scope(name)("weight", shape: [output, input]), precision: weights.precision)
        bias = hasBias ? try weights.scope(name)("bias", shape: [output]) : nil
    }

    package func callAsFunction(_ input: Tensor) -> Tensor { input.linear(weight, bias: bias) }
}
