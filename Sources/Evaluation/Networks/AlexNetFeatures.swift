import Foundation
import Tensors

/// torchvision's AlexNet `features` as lpips 0.1.4 slices them ([0:2], [2:5], [5:8], [8:10], [10:12]): the five
/// ReLU outputs LPIPS compares, with torchvision's state-dict names (`features.N.weight`).
package struct AlexNetFeatures {
    /// The channels of the five outputs.
    package static let channels = [64, 192, 384, 256, 256]

    let conv0, conv3, conv6, conv8, conv10: Conv2DLayer

    package init(_ weights: WeightReader) throws {
        conv0 = try Conv2DLayer(weights, "features.0", input: 3, output: 64, kernel: 11, stride: 4, padding: 2)
        conv3 = try Conv2DLayer(weights, "features.3", input: 64, output: 192, kernel: 5, padding: 2)
        conv6 = try Conv2DLayer(weights, "features.6", input: 192, output: 384, kernel: 3, padding: 1)
        conv8 = try Conv2DLayer(weights, "features.8", input: 384, output: 256, kernel: 3, padding: 1)
        conv10 = try Conv2DLayer(weights, "features.10", input: 256, output: 256, kernel: 3, padding: 1)
    }

    /// [N, 3, H, W] -> the outputs of relu1 to relu5.
    package func callAsFunction(_ input: Tensor) -> [Tensor] {
        let relu1 = conv0(input).relu()
        let relu2 = conv3(relu1.maxPool2d(kernel: 3, stride: 2)).relu()
        let relu3 = conv6(relu2.maxPool2d(kernel: 3, stride: 2)).relu()
        let relu4 = conv8(relu3).relu()
        let relu5 = conv10(relu4).relu()
        return [relu1, relu2, relu3, relu4, relu5]
    }
}
