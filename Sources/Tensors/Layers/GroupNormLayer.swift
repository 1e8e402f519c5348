import Foundation

/// Group normalisation with affine parameters (`NAME.weight`, `NAME.bias`).
package struct GroupNormLayer {
    package let groups: Int
    package let epsilon: Float
    package let weight: Tensor
    package let bias: Tensor

    package init(_ weights: WeightReader, _ name: String, groups: Int, epsilon: Float, channels: Int) throws {
        guard groups > 0, channels % groups == 0 else {
            throw ModelLoadingError.invalidConfiguration("\(channels) channels do not split into \(groups) norm groups")
        }
        self.groups = groups
        self.epsilon = epsilon
        weight = try weights.scope(name)("weight", shape: [channels])
        bias = try weights.scope(name)("bias", shape: [channels])
    }

    package func callAsFunction(_ input: Tensor) -> Tensor {
        input.groupNorm(groups: groups, weight: weight, bias: bias, epsilon: epsilon)
    }
}
