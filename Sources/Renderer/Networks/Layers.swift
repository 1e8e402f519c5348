import Foundation

/// A convolution with its weights, as a diffusers `nn.Conv2d` (`NAME.weight`, `NAME.bias`).
struct Conv2DLayer {
    let weight: Tensor
    let bias: Tensor?
    let stride: Int
    let padding: Int

    init(_ weights: WeightReader, _ name: String, stride: Int = 1, padding: Int? = nil) throws {
        let scoped = weights.scope(name)
        weight = try scoped("weight")
        guard weight.rank == 4 else {
            throw ModelLoadingError.weightShape(name: weights.prefix + name + ".weight", expected: [-1, -1, -1, -1], found: weight.shape)
        }
        bias = scoped.contains("bias") ? try scoped("bias", shape: [weight.shape[0]]) : nil
        self.stride = stride
        self.padding = padding ?? weight.shape[2] / 2
    }

    var inputChannels: Int { weight.shape[1] }
    var outputChannels: Int { weight.shape[0] }

    func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding)
    }
}

/// A linear layer (`NAME.weight` [out, in], optional `NAME.bias`).
struct LinearLayer {
    let weight: Tensor
    let bias: Tensor?

    init(_ weights: WeightReader, _ name: String, input: Int? = nil, output: Int? = nil) throws {
        let scoped = weights.scope(name)
        let loaded = try scoped("weight")
        guard loaded.rank == 2, input.map({ $0 == loaded.shape[1] }) ?? true, output.map({ $0 == loaded.shape[0] }) ?? true else {
            throw ModelLoadingError.weightShape(name: weights.prefix + name + ".weight",
                                                expected: [output ?? -1, input ?? -1], found: loaded.shape)
        }
        weight = loaded
        bias = scoped.contains("bias") ? try scoped("bias", shape: [weight.shape[0]]) : nil
    }

    var outputFeatures: Int { weight.shape[0] }

    func callAsFunction(_ input: Tensor) -> Tensor { input.linear(weight: weight, bias: bias) }
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
