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
                let worst = worstRelativeError(output, input: input, weight: weight, bias: bias, stride: 1, padding: kernel / 2)
                XCTAssertLessThan(worst, 1e-6, "\(batch)x\(channels)x\(height)x\(width) -> \(out), \(kernel)x\(kernel), L2 \(caches.l2)")
            }
        }
    }

    /// 1x1 and strided convolutions at bf16 go through the BF16 packed product over unfolded patches
    /// (`productConv2d`): the same agreement with a double-precision sum, for a 1x1 kernel, the downsamplers' 3x3
    /// at stride 2 with padding 1 (even and odd sizes), and a 1x1 at stride 2.
    func testProductConvolutionMatchesDoubleSumOfRoundedOperands() throws {
        guard WeightPrecision.bf16KernelRuns else { return }  // BF16FallbackTests covers the Float32 path
        var generator = SplitMix64(seed: 5)
        let shapes: [(batch: Int, channels: Int, height: Int, width: Int, out: Int, kernel: Int, stride: Int, padding: Int)] = [
            (2, 37, 6, 5, 40, 1, 1, 0), (2, 9, 8, 8, 12, 3, 2, 1), (1, 16, 7, 9, 33, 3, 2, 1), (1, 5, 5, 6, 3, 1, 2, 0),
        ]
        for (batch, channels, height, width, out, kernel, stride, padding) in shapes {
            let input = Tensor(shape: [batch, channels, height, width],
                               scalars: (0..<batch * channels * height * width).map { _ in Float.random(in: -1...1, using: &generator) })
            let weight = Tensor(shape: [out, channels, kernel, kernel],
                                scalars: (0..<out * channels * kernel * kernel).map { _ in Float.random(in: -1...1, using: &generator) })
            let bias = Tensor(shape: [out], scalars: (0..<out).map { _ in Float.random(in: -1...1, using: &generator) })
            let packed = PackedLinearWeight(weight.reshaped([out, channels * kernel * kernel]), precision: .bf16)
            XCTAssertTrue(packed.runsBF16)
            let output = input.productConv2d(weight: packed, bias: bias, kernel: kernel, stride: stride, padding: padding)
            let outSize = ((height + 2 * padding - kernel) / stride + 1, (width + 2 * padding - kernel) / stride + 1)
            XCTAssertEqual(output.shape, [batch, out, outSize.0, outSize.1])
            let worst = worstRelativeError(output, input: input, weight: weight, bias: bias, stride: stride, padding: padding)
            XCTAssertLessThan(worst, 1e-6, "\(batch)x\(channels)x\(height)x\(width) -> \(out), \(kernel)x\(kernel) stride \(stride)")
        }
    }

    /// The largest |output - exact| / sum of |terms| over the outputs, the exact convolution summed in Double over
    /// the BF16-rounded input and weight.
    private func worstRelativeError(_ output: Tensor, input: Tensor, weight: Tensor, bias: Tensor, stride: Int, padding: Int) -> Double {
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (out, kernel) = (weight.shape[0], weight.shape[2])
        let (outH, outW) = (output.shape[2], output.shape[3])
        let x = input.scalars.map(WeightPrecision.bf16Rounded), w = weight.scalars.map(WeightPrecision.bf16Rounded)
        var worst = 0.0
        for n in 0..<batch {
            for o in 0..<out {
                for i in 0..<outH {
                    for j in 0..<outW {
                        var sum = Double(bias.scalars[o]), magnitude = abs(sum)
                        for c in 0..<channels {
                            for ky in 0..<kernel {
                                for kx in 0..<kernel {
                                    let (y, xx) = (i * stride + ky - padding, j * stride + kx - padding)
                                    guard y >= 0, y < height, xx >= 0, xx < width else { continue }
                                    let term = Double(x[((n * channels + c) * height + y) * width + xx]) * Double(w[((o * channels + c) * kernel + ky) * kernel + kx])
                                    sum += term
                                    magnitude += abs(term)
                                }
                            }
                        }
                        worst = max(worst, abs(Double(output.scalars[((n * out + o) * outH + i) * outW + j]) - sum) / magnitude)
                    }
                }
            }
        }
        return worst
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
