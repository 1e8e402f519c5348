import CPUFeatures
import DirectConvolution
import Foundation
import ReproducibleTesting
import XCTest
@testable import Tensors
import TensorTesting

/// The BF16 direct convolution (DirectConvolutionBF16.c) equals a double-precision convolution of the BF16-rounded
/// input and weight to Float32 accumulation error: odd channel counts (a half-empty last pair), 1x1-wide images,
/// 3x3 and 5x5 kernels, and a tiny L2 that splits the channels into several blocks.
final class BF16ConvolutionTests: XCTestCase {
    func testConvolutionMatchesDoubleSumOfRoundedOperands() throws {
        guard WeightPrecision.bf16KernelRuns else {
            // Elsewhere the kernel refuses, and layers keep to the Float32 path (Conv2DLayer).
            var plan = DirectConvolutionPlan()
            XCTAssertEqual(direct_convolution_plan(1, 2, 4, 4, 1, 3, 3, &plan), 0)
            return XCTAssertEqual(direct_convolution_compute_bf16(&plan, nil, nil, nil, 0, 1, 0, 16, nil), -1)
        }
        var generator = SplitMix64(seed: 3)
        let shapes: [(batch: Int, channels: Int, height: Int, width: Int, out: Int, kernel: Int)] = [
            (2, 5, 7, 9, 11, 3), (1, 64, 12, 12, 20, 3), (1, 3, 5, 1, 4, 3), (2, 33, 8, 10, 9, 5),
        ]
        for caches in [CPUCaches.machine, CPUCaches.sizes(l1d: 4 << 10, l2: 16 << 10)] {
            for (batch, channels, height, width, out, kernel) in shapes {
                let input = Tensor(shape: [batch, channels, height, width],
                                   scalars: (0..<batch * channels * height * width).map { _ in Float.random(in: -1...1, using: &generator) })
                let weight = Tensor(shape: [out, channels, kernel, kernel],
                                    scalars: (0..<out * channels * kernel * kernel).map { _ in Float.random(in: -1...1, using: &generator) })
                let bias = Tensor(shape: [out], scalars: (0..<out).map { _ in Float.random(in: -1...1, using: &generator) })
                let output = input.directConv2d(weight: BF16ConvolutionWeight(weight), bias: bias, caches: caches)
                let x = input.scalars.map(WeightPrecision.bf16Rounded), w = weight.scalars.map(WeightPrecision.bf16Rounded)
                var worst = 0.0
                for n in 0..<batch {
                    for o in 0..<out {
                        for i in 0..<height {
                            for j in 0..<width {
                                var sum = Double(bias.scalars[o]), magnitude = abs(sum)
                                for c in 0..<channels {
                                    for ky in 0..<kernel {
                                        for kx in 0..<kernel {
                                            let (y, xx) = (i + ky - kernel / 2, j + kx - kernel / 2)
                                            guard y >= 0, y < height, xx >= 0, xx < width else { continue }
                                            let term = Double(x[((n * channels + c) * height + y) * width + xx]) * Double(w[((o * channels + c) * kernel + ky) * kernel + kx])
                                            sum += term
                                            magnitude += abs(term)
                                        }
                                    }
                                }
                                worst = max(worst, abs(Double(output.scalars[((n * out + o) * height + i) * width + j]) - sum) / magnitude)
                            }
                        }
                    }
                }
                XCTAssertLessThan(worst, 1e-6, "\(batch)x\(channels)x\(height)x\(width) -> \(out), \(kernel)x\(kernel), L2 \(caches.l2)")
            }
        }
    }

    /// The packed weight gives back exactly the BF16-rounded weight (an odd channel count leaves half a pair empty).
    func testUnpackedWeightHoldsTheRoundedValues() {
        var generator = SplitMix64(seed: 8)
        let weight = Tensor(shape: [3, 5, 3, 3], scalars: (0..<3 * 5 * 9).map { _ in Float.random(in: -2...2, using: &generator) })
        let unpacked = BF16ConvolutionWeight(weight).unpacked
        XCTAssertEqual(unpacked.shape, weight.shape)
        XCTAssertEqual(unpacked.scalars, weight.scalars.map(WeightPrecision.bf16Rounded))
    }
}
