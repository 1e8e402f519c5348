import XCTest
@testable import Tensors
import TensorTesting

/// The direct convolution kernel, each instruction-set variant this processor runs, against a direct
/// double-precision evaluation and PyTorch's fixture. Tolerance: 1e-4 relative, as for the PyTorch fixtures.
final class DirectConvolutionTests: XCTestCase {
    private struct Case {
        let images: Int, channels: Int, height: Int, width: Int, outChannels: Int, kernel: Int
        var bias = true
        var name: String { "\(images)x\(channels)x\(height)x\(width) -> \(outChannels), \(kernel)x\(kernel)\(bias ? "" : ", no bias")" }
    }

    /// Output channels off the tiles (8 and 4 rows), positions off the 48- and 16-wide tiles, images sharing
    /// padding rows, several channel blocks (128 outputs x 9 taps keep 85 channels per block), output channels
    /// split between cores (128) and positions split (3 outputs), 5x5 and 1x1 kernels, one-pixel images.
    private let cases = [
        Case(images: 2, channels: 8, height: 9, width: 9, outChannels: 5, kernel: 3),
        Case(images: 3, channels: 5, height: 7, width: 11, outChannels: 13, kernel: 3, bias: false),
        Case(images: 1, channels: 200, height: 6, width: 5, outChannels: 128, kernel: 3),
        Case(images: 2, channels: 16, height: 24, width: 20, outChannels: 3, kernel: 3),
        Case(images: 2, channels: 3, height: 5, width: 4, outChannels: 4, kernel: 5),
        Case(images: 1, channels: 4, height: 6, width: 6, outChannels: 9, kernel: 1),
        Case(images: 4, channels: 6, height: 1, width: 1, outChannels: 7, kernel: 3),
    ]

    func testEveryVariantMatchesDirectEvaluation() throws {
        let kernels = ConvolutionKernel.allCases.filter(\.isSupported)
        try XCTSkipIf(kernels.isEmpty, "this processor runs no direct convolution variant")
        for (index, c) in cases.enumerated() {
            let seed = 400 + UInt64(index) * 3
            let x = Tensor.pseudoRandom([c.images, c.channels, c.height, c.width], seed: seed)
            let w = Tensor.pseudoRandom([c.outChannels, c.channels, c.kernel, c.kernel], seed: seed + 1)
            let b = c.bias ? Tensor.pseudoRandom([c.outChannels], seed: seed + 2) : nil
            let expected = directConvolution(x, w, b)
            for kernel in kernels {
                assertClose(x.directConv2d(weight: w, bias: b, kernel: kernel), expected, "\(kernel.rawValue): \(c.name)")
            }
        }
    }

    /// PyTorch's 3x3 fixture (ops.safetensors, made by scripts/make-parity-fixtures.py) through every variant,
    /// and `conv2d` choosing the kernel itself.
    func testEveryVariantMatchesThePyTorchFixture() throws {
        let ops = try Fixture.safetensors("ops.safetensors")
        let (x, w, b) = (try ops.tensor(named: "conv.x"), try ops.tensor(named: "conv3x3.w"), try ops.tensor(named: "conv3x3.b"))
        let expected = try ops.tensor(named: "conv3x3.out")
        assertClose(x.conv2d(weight: w, bias: b, padding: 1), expected, "conv2d")
        for kernel in ConvolutionKernel.allCases.filter(\.isSupported) {
            assertClose(x.directConv2d(weight: w, bias: b, kernel: kernel), expected, "\(kernel.rawValue): PyTorch 3x3")
        }
    }

    /// The kernel reads zeros around every image: a constant input and weight give, at each output, the count of
    /// taps that fall inside the image, so a padding value leaking from a neighbouring image or row would show.
    func testPaddingBetweenImagesAndRowsIsZero() throws {
        let kernels = ConvolutionKernel.allCases.filter(\.isSupported)
        try XCTSkipIf(kernels.isEmpty, "this processor runs no direct convolution variant")
        let (images, height, width) = (3, 4, 5)
        let x = Tensor(shape: [images, 1, height, width], scalars: [Float](repeating: 1, count: images * height * width))
        let w = Tensor(shape: [1, 1, 3, 3], scalars: [Float](repeating: 1, count: 9))
        for kernel in kernels {
            let out = x.directConv2d(weight: w, bias: nil, kernel: kernel)
            for n in 0..<images { for y in 0..<height { for x in 0..<width {
                let rows = (y > 0 ? 1 : 0) + 1 + (y < height - 1 ? 1 : 0)
                let columns = (x > 0 ? 1 : 0) + 1 + (x < width - 1 ? 1 : 0)
                XCTAssertEqual(out.scalars[(n * height + y) * width + x], Float(rows * columns), "\(kernel.rawValue) at \(n),\(y),\(x)")
            } } }
        }
    }

    /// The convolution in double precision, zero padding kernel / 2.
    private func directConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> Tensor {
        let (images, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outChannels, k) = (w.shape[0], w.shape[2])
        let pad = k / 2
        var out = Tensor(zeros: [images, outChannels, height, width])
        for n in 0..<images { for o in 0..<outChannels { for oy in 0..<height { for ox in 0..<width {
            var sum = Double(b?.scalars[o] ?? 0)
            for c in 0..<channels { for ky in 0..<k { for kx in 0..<k {
                let (iy, ix) = (oy - pad + ky, ox - pad + kx)
                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                sum += Double(x.scalars[((n * channels + c) * height + iy) * width + ix]) * Double(w.scalars[((o * channels + c) * k + ky) * k + kx])
            } } }
            out.scalars[((n * outChannels + o) * height + oy) * width + ox] = Float(sum)
        } } } }
        return out
    }
}
