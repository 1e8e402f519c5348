import Foundation
import Tensors

/// MTCNN's three networks with the layer names of facenet-pytorch's `PNet`, `RNet` and `ONet`, so their state dicts
/// load by name. Each returns the face probability (softmax's second class) and the box regression; O-Net also the
/// five landmarks as fractions of its crop.
package struct ProposalNetwork {
    let conv1, conv2, conv3, conv4_1, conv4_2: Conv2DLayer
    let prelu1, prelu2, prelu3: Tensor

    package init(_ weights: WeightReader) throws {
        conv1 = try Conv2DLayer(weights, "conv1", input: 3, output: 10, kernel: 3, padding: 0)
        prelu1 = try weights("prelu1.weight", shape: [10])
        conv2 = try Conv2DLayer(weights, "conv2", input: 10, output: 16, kernel: 3, padding: 0)
        prelu2 = try weights("prelu2.weight", shape: [16])
        conv3 = try Conv2DLayer(weights, "conv3", input: 16, output: 32, kernel: 3, padding: 0)
        prelu3 = try weights("prelu3.weight", shape: [32])
        conv4_1 = try Conv2DLayer(weights, "conv4_1", input: 32, output: 2, kernel: 1, padding: 0)
        conv4_2 = try Conv2DLayer(weights, "conv4_2", input: 32, output: 4, kernel: 1, padding: 0)
    }

    /// [N, 3, H, W] normalised pixels (H, W >= 12) -> regression [N, 4, h, w] and probability [N, 1, h, w].
    package func callAsFunction(_ input: Tensor) -> (regression: Tensor, probability: Tensor) {
        var x = conv1(input).parametricReLU(slopes: prelu1).maxPool2dCeil(kernel: 2, stride: 2)
        x = conv2(x).parametricReLU(slopes: prelu2)
        x = conv3(x).parametricReLU(slopes: prelu3)
        return (conv4_2(x), faceProbability(channelLogits: conv4_1(x)))
    }
}

package struct RefinementNetwork {
    let conv1, conv2, conv3: Conv2DLayer
    let dense4, dense5_1, dense5_2: LinearLayer
    let prelu1, prelu2, prelu3, prelu4: Tensor

    package init(_ weights: WeightReader) throws {
        conv1 = try Conv2DLayer(weights, "conv1", input: 3, output: 28, kernel: 3, padding: 0)
        prelu1 = try weights("prelu1.weight", shape: [28])
        conv2 = try Conv2DLayer(weights, "conv2", input: 28, output: 48, kernel: 3, padding: 0)
        prelu2 = try weights("prelu2.weight", shape: [48])
        conv3 = try Conv2DLayer(weights, "conv3", input: 48, output: 64, kernel: 2, padding: 0)
        prelu3 = try weights("prelu3.weight", shape: [64])
        dense4 = try LinearLayer(weights, "dense4", input: 576, output: 128)
        prelu4 = try weights("prelu4.weight", shape: [128])
        dense5_1 = try LinearLayer(weights, "dense5_1", input: 128, output: 2)
        dense5_2 = try LinearLayer(weights, "dense5_2", input: 128, output: 4)
    }

    /// [N, 3, 24, 24] -> regression [N, 4] and probability [N].
    package func callAsFunction(_ input: Tensor) -> (regression: Tensor, probability: Tensor) {
        var x = conv1(input).parametricReLU(slopes: prelu1).maxPool2dCeil(kernel: 3, stride: 2)
        x = conv2(x).parametricReLU(slopes: prelu2).maxPool2dCeil(kernel: 3, stride: 2)
        x = conv3(x).parametricReLU(slopes: prelu3)
        x = dense4(x.flattenedWidthFirst()).parametricReLU(slopes: prelu4)
        return (dense5_2(x), faceProbability(rowLogits: dense5_1(x)))
    }
}

package struct OutputNetwork {
    let conv1, conv2, conv3, conv4: Conv2DLayer
    let dense5, dense6_1, dense6_2, dense6_3: LinearLayer
    let prelu1, prelu2, prelu3, prelu4, prelu5: Tensor

    package init(_ weights: WeightReader) throws {
        conv1 = try Conv2DLayer(weights, "conv1", input: 3, output: 32, kernel: 3, padding: 0)
        prelu1 = try weights("prelu1.weight", shape: [32])
        conv2 = try Conv2DLayer(weights, "conv2", input: 32, output: 64, kernel: 3, padding: 0)
        prelu2 = try weights("prelu2.weight", shape: [64])
        conv3 = try Conv2DLayer(weights, "conv3", input: 64, output: 64, kernel: 3, padding: 0)
        prelu3 = try weights("prelu3.weight", shape: [64])
        conv4 = try Conv2DLayer(weights, "conv4", input: 64, output: 128, kernel: 2, padding: 0)
        prelu4 = try weights("prelu4.weight", shape: [128])
        dense5 = try LinearLayer(weights, "dense5", input: 1152, output: 256)
        prelu5 = try weights("prelu5.weight", shape: [256])
        dense6_1 = try LinearLayer(weights, "dense6_1", input: 256, output: 2)
        dense6_2 = try LinearLayer(weights, "dense6_2", input: 256, output: 4)
        dense6_3 = try LinearLayer(weights, "dense6_3", input: 256, output: 10)
    }

    /// [N, 3, 48, 48] -> regression [N, 4], landmarks [N, 10] (five x fractions, then five y) and probability [N].
    package func callAsFunction(_ input: Tensor) -> (regression: Tensor, landmarks: Tensor, probability: Tensor) {
        var x = conv1(input).parametricReLU(slopes: prelu1).maxPool2dCeil(kernel: 3, stride: 2)
        x = conv2(x).parametricReLU(slopes: prelu2).maxPool2dCeil(kernel: 3, stride: 2)
        x = conv3(x).parametricReLU(slopes: prelu3).maxPool2dCeil(kernel: 2, stride: 2)
        x = conv4(x).parametricReLU(slopes: prelu4)
        x = dense5(x.flattenedWidthFirst()).parametricReLU(slopes: prelu5)
        return (dense6_2(x), dense6_3(x), faceProbability(rowLogits: dense6_1(x)))
    }
}

extension Tensor {
    /// [N, C, H, W] -> [N, W * H * C] in the order of `x.permute(0, 3, 2, 1)` (the layout the networks were
    /// trained with in Caffe, carried over by facenet-pytorch).
    fileprivate func flattenedWidthFirst() -> Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        var result = [Float](repeating: 0, count: count)
        var index = 0
        for n in 0..<batch {
            for x in 0..<width {
                for y in 0..<height {
                    for c in 0..<channels {
                        result[index] = scalars[((n * channels + c) * height + y) * width + x]
                        index += 1
                    }
                }
            }
        }
        return Tensor(shape: [batch, width * height * channels], scalars: result)
    }
}

/// The second class of a two-way softmax over dimension 1 of [N, 2, H, W], as [N, 1, H, W].
private func faceProbability(channelLogits logits: Tensor) -> Tensor {
    let (batch, plane) = (logits.shape[0], logits.shape[2] * logits.shape[3])
    var result = [Float](repeating: 0, count: batch * plane)
    for n in 0..<batch {
        for index in 0..<plane {
            let base = n * 2 * plane + index
            result[n * plane + index] = secondOfTwo(logits.scalars[base], logits.scalars[base + plane])
        }
    }
    return Tensor(shape: [batch, 1, logits.shape[2], logits.shape[3]], scalars: result)
}

/// The second class of a two-way softmax over the rows of [N, 2], as [N].
private func faceProbability(rowLogits logits: Tensor) -> Tensor {
    let batch = logits.shape[0]
    return Tensor(shape: [batch], scalars: (0..<batch).map { secondOfTwo(logits.scalars[2 * $0], logits.scalars[2 * $0 + 1]) })
}

/// exp(b) / (exp(a) + exp(b)), shifted by the larger logit as softmax is computed.
private func secondOfTwo(_ a: Float, _ b: Float) -> Float {
    let largest = max(a, b)
    let (ea, eb) = (Foundation.exp(a - largest), Foundation.exp(b - largest))
    return eb / (ea + eb)
}
