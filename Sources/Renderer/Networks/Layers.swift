import Foundation

/// A convolution with its weights and bias, as a diffusers `nn.Conv2d` (`NAME.weight`, `NAME.bias`).
struct Conv2DLayer {
    let weight: Tensor
    let bias: Tensor
    let stride: Int
    let padding: Int

    /// Padding defaults to kernel / 2 (same-size output at stride 1).
    init(_ weights: WeightReader, _ name: String, input: Int, output: Int, kernel: Int,
         stride: Int = 1, padding: Int? = nil) throws {
        weight = try weights.scope(name)("weight", shape: [output, input, kernel, kernel])
        bias = try weights.scope(name)("bias", shape: [output])
        self.stride = stride
        self.padding = padding ?? kernel / 2
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
    }
}

/// A linear layer (`NAME.weight` [out, in], and `NAME.bias` when it has one), its weight packed at load.
struct LinearLayer {
    let weight: PackedLinearWeight
    let bias: Tensor?

    init(_ weights: WeightReader, _ name: String, input: Int, output: Int, bias hasBias: Bool = true) throws {
        weight = PackedLinearWeight(try weights.scope(name)("weight", shape: [output, input]))
        bias = hasBias ? try weights.scope(name)("bias", shape: [output]) : nil
    }

    func callAsFunction(_ input: Tensor) -> Tensor { input.linear(weight, bias: bias) }
}

/// Group normalisation with affine parameters (`NAME.weight`, `NAME.bias`).
struct GroupNormLayer {
    let groups: Int
    let epsilon: Float
    let weight: Tensor
    let bias: Tensor

    init(_ weights: WeightReader, _ name: String, groups: Int, epsilon: Float, channels: Int) throws {
        guard groups > 0, channels % groups == 0 else {
            throw ModelLoadingError.invalidConfiguration("\(channels) channels do not split into \(groups) norm groups")
        }
        self.groups = groups
        self.epsilon = epsilon
        weight = try weights.scope(name)("weight", shape: [channels])
        bias = try weights.scope(name)("bias", shape: [channels])
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        input.groupNorm(groups: groups, weight: weight, bias: bias, epsilon: epsilon)
    }
}

/// Layer normalisation over the last dimension with affine parameters.
struct LayerNormLayer {
    let epsilon: Float
    let weight: Tensor
    let bias: Tensor

    init(_ weights: WeightReader, _ name: String, width: Int, epsilon: Float = 1e-5) throws {
        self.epsilon = epsilon
        weight = try weights.scope(name)("weight", shape: [width])
        bias = try weights.scope(name)("bias", shape: [width])
    }

    func callAsFunction(_ input: Tensor) -> Tensor { input.layerNorm(weight: weight, bias: bias, epsilon: epsilon) }
}
