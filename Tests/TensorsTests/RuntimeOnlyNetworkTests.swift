import Foundation
import Tensors
import XCTest

/// A network outside the renderer builds on the tensor runtime alone: this target imports `Tensors` and nothing of
/// the diffusion code. A small network (a 3x3 convolution, ReLU, a linear head) is written as a safetensors file,
/// read back through `WeightReader` into the generic layers and run; its output is worked out by hand.
final class RuntimeOnlyNetworkTests: XCTestCase {
    /// conv: 1 -> 2 channels, 3x3, "same" padding; then ReLU, flattening and a linear layer 18 -> 2.
    private struct TinyNetwork {
        let conv: Conv2DLayer
        let head: LinearLayer

        init(_ weights: WeightReader) throws {
            conv = try Conv2DLayer(weights, "conv", input: 1, output: 2, kernel: 3)
            head = try LinearLayer(weights, "head", input: 18, output: 2)
        }

        func callAsFunction(_ image: Tensor) -> Tensor {
            let features = conv(image).map { max($0, 0) }
            return head(features.reshaped([image.shape[0], 18]))
        }
    }

    func testANetworkBuiltOnTheRuntimeAloneGivesTheHandComputedOutput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tensors-network-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tiny.safetensors")

        // Channel 0 copies the image (a centred 1); channel 1 sums each 3x3 neighbourhood, minus 20.
        let convWeight = Tensor(shape: [2, 1, 3, 3], scalars: [0, 0, 0, 0, 1, 0, 0, 0, 0] + [Float](repeating: 1, count: 9))
        // Output 0 adds every feature; output 1 adds channel 0 and subtracts channel 1.
        let headWeight = Tensor(
            shape: [2, 18], scalars: [Float](repeating: 1, count: 18) + [Float](repeating: 1, count: 9) + [Float](repeating: -1, count: 9))
        try SafeTensorsWriter.write(
            tensors: [
                "net.conv.weight": convWeight, "net.conv.bias": Tensor(shape: [2], scalars: [0, -20]),
                "net.head.weight": headWeight, "net.head.bias": Tensor(shape: [2], scalars: [0.5, 2]),
            ],
            to: file)

        let network = try TinyNetwork(WeightReader(source: SafeTensorsFile(contentsOf: file)).scope("net"))
        let image = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])

        // Neighbourhood sums with zero padding: 12 21 16 / 27 45 33 / 24 39 28; minus 20 and ReLU:
        // 0 1 0 / 7 25 13 / 4 19 8, which add to 77. Channel 0 adds to 45.
        // Within 1e-6 of the largest sum: the layer may run Winograd's F(4x4, 3x3), whose transforms round (ConvolutionChoice).
        let sums = network.conv(image).map { max($0, 0) }.scalars
        let expected: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 0, 7, 25, 13, 4, 19, 8]
        XCTAssertEqual(sums.count, expected.count)
        for (sum, value) in zip(sums, expected) { XCTAssertEqual(sum, value, accuracy: 25e-6) }
        let output = network(image)
        XCTAssertEqual(output.shape, [1, 2])
        XCTAssertEqual(output.scalars[0], 45 + 77 + 0.5, accuracy: 1e-4)
        XCTAssertEqual(output.scalars[1], 45 - 77 + 2, accuracy: 1e-4)

        // A weight of the wrong shape is refused by name.
        XCTAssertThrowsError(try LinearLayer(WeightReader(source: SafeTensorsFile(contentsOf: file)).scope("net"), "head", input: 9, output: 2)) {
            XCTAssertTrue("\($0)".contains("net.head.weight"), "\($0)")
        }
    }
}
