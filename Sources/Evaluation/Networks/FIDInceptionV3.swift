import Foundation
import Tensors

/// pytorch-fid 0.3.0's `InceptionV3([3])`: `fid_inception_v3` up to the final average pool, with the state-dict
/// names of its `pt_inception-2015-12-05-6726825d.pth` (torchvision's Inception3 names; the `fc` classifier is not
/// run and not loaded).
package struct FIDInceptionV3 {
    /// The side pytorch-fid resizes every input to.
    package static let inputSide = 299

    let conv1a, conv2a, conv2b, conv3b, conv4a: FoldedConvolution
    let mixed5b, mixed5c, mixed5d: InceptionBlockA
    let mixed6a: InceptionBlockB
    let mixed6b, mixed6c, mixed6d, mixed6e: InceptionBlockC
    let mixed7a: InceptionBlockD
    let mixed7b, mixed7c: InceptionBlockE

    package init(_ weights: WeightReader) throws {
        conv1a = try FoldedConvolution(weights, "Conv2d_1a_3x3", input: 3, output: 32, kernel: 3, stride: 2)
        conv2a = try FoldedConvolution(weights, "Conv2d_2a_3x3", input: 32, output: 32, kernel: 3)
        conv2b = try FoldedConvolution(weights, "Conv2d_2b_3x3", input: 32, output: 64, kernel: 3, padding: 1)
        conv3b = try FoldedConvolution(weights, "Conv2d_3b_1x1", input: 64, output: 80, kernel: 1)
        conv4a = try FoldedConvolution(weights, "Conv2d_4a_3x3", input: 80, output: 192, kernel: 3)
        mixed5b = try InceptionBlockA(weights.scope("Mixed_5b"), input: 192, poolFeatures: 32)
        mixed5c = try InceptionBlockA(weights.scope("Mixed_5c"), input: 256, poolFeatures: 64)
        mixed5d = try InceptionBlockA(weights.scope("Mixed_5d"), input: 288, poolFeatures: 64)
        mixed6a = try InceptionBlockB(weights.scope("Mixed_6a"), input: 288)
        mixed6b = try InceptionBlockC(weights.scope("Mixed_6b"), input: 768, channels7x7: 128)
        mixed6c = try InceptionBlockC(weights.scope("Mixed_6c"), input: 768, channels7x7: 160)
        mixed6d = try InceptionBlockC(weights.scope("Mixed_6d"), input: 768, channels7x7: 160)
        mixed6e = try InceptionBlockC(weights.scope("Mixed_6e"), input: 768, channels7x7: 192)
        mixed7a = try InceptionBlockD(weights.scope("Mixed_7a"), input: 768)
        mixed7b = try InceptionBlockE(weights.scope("Mixed_7b"), input: 1280, pool: .averageExcludingPadding)
        mixed7c = try InceptionBlockE(weights.scope("Mixed_7c"), input: 2048, pool: .maximum)
    }

    /// Images [N, 3, H, W] with values in [0, 1] -> the 2048-d pool features [N, 2048]: bilinear resize to 299x299
    /// (align_corners False), 2x - 1, then the network.
    package func callAsFunction(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == 3, "Inception takes [N, 3, H, W], got \(images.shape)")
        var x = images.bilinearResized(height: Self.inputSide, width: Self.inputSide).map { 2 * $0 - 1 }
        x = conv2b(conv2a(conv1a(x))).maxPool2d(kernel: 3, stride: 2)
        x = conv4a(conv3b(x)).maxPool2d(kernel: 3, stride: 2)
        x = mixed5d(mixed5c(mixed5b(x)))
        x = mixed6e(mixed6d(mixed6c(mixed6b(mixed6a(x)))))
        x = mixed7c(mixed7b(mixed7a(x)))
        return x.spatialMean()
    }
}
