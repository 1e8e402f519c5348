import Foundation

/// Layer normalisation over the last dimension with affine parameters.
package struct LayerNormLayer {
    package let epsilon: Float
    package let weight: Tensor
    package let bias: Tensor

    package init(_ weights: WeightReader, _ name: String, width: Int, epsilon: Float = 1e-5) throws {
        self.epsilon = epsilon
        weight = try weights.scope(name)("weight", shape: [width])
        bias = try weights.scope(name)("bias", shape: [width])
    }

    package func callAsFunction(_ input: Tensor) -> Tensor { input.layerNorm(weight: weight, bias: bias, epsilon: epsilon) }
}
