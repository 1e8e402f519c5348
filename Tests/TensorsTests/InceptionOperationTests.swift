import ReproducibleTesting
import Tensors
import TensorTesting
import XCTest

/// The operations the evaluation networks added to the runtime: convolutions with their own padding per axis,
/// floor-mode pooling with padding, the average that leaves the padding out, the bilinear resize, and the
/// double-precision symmetric eigensolver.
final class InceptionOperationTests: XCTestCase {
    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SplitMix64(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// The convolution as its definition reads, with zero padding (ph, pw).
    private func naiveConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor, stride: Int, padding: (Int, Int)) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let outH = (h + 2 * padding.0 - kh) / stride + 1, outW = (wd + 2 * padding.1 - kw) / stride + 1
        var out = Tensor(zeros: [n, o, outH, outW])
        for item in 0..<n { for oc in 0..<o { for oy in 0..<outH { for ox in 0..<outW {
            var sum = b.scalars[oc]
            for ic in 0..<c { for ky in 0..<kh { for kx in 0..<kw {
                let (iy, ix) = (oy * stride - padding.0 + ky, ox * stride - padding.1 + kx)
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                sum += x.scalars[((item * c + ic) * h + iy) * wd + ix] * w.scalars[((oc * c + ic) * kh + ky) * kw + kx]
            } } }
            out.scalars[((item * o + oc) * outH + oy) * outW + ox] = sum
        } } } }
        return out
    }

    func testConvolutionsPadEachAxisOnItsOwn() {
        let x = random([2, 3, 9, 11], seed: 1)
        // Inception's 1x7, 7x1, 1x3 and 3x1 kernels, and a strided square one.
        for (kernel, padding, stride) in [((1, 7), (0, 3), 1), ((7, 1), (3, 0), 1), ((1, 3), (0, 1), 1), ((3, 1), (1, 0), 1),
                                          ((3, 3), (1, 1), 2), ((3, 5), (2, 1), 2)] {
            let w = random([4, 3, kernel.0, kernel.1], seed: 2), b = random([4], seed: 3)
            let result = x.conv2d(weight: w, bias: b, stride: stride, padding: (height: padding.0, width: padding.1))
            assertClose(result, naiveConvolution(x, w, b, stride: stride, padding: padding), relative: 1e-5, "\(kernel) \(padding) \(stride)")
        }
        XCTAssertEqual(x.conv2d(weight: random([4, 3, 1, 7], seed: 2), bias: nil, padding: (height: 0, width: 3)).shape, [2, 4, 9, 11])
    }

    func testMaxPoolingWithPaddingNeverPicksThePadding() {
        // All values negative: a zero-padded maximum would show 0 at the border.
        let x = Tensor(shape: [1, 1, 2, 3], scalars: [-6, -5, -4, -3, -2, -1])
        XCTAssertEqual(x.maxPool2d(kernel: 3, stride: 1, padding: 1).scalars, [-2, -1, -1, -2, -1, -1])
        // Floor mode, no padding: a 5x5 plane pooled 3/2 gives 2x2, the last column and row only in the second window.
        let plane = Tensor(shape: [1, 1, 5, 5], scalars: (0..<25).map(Float.init))
        XCTAssertEqual(plane.maxPool2d(kernel: 3, stride: 2).scalars, [12, 14, 22, 24])
    }

    func testTheAverageLeavesThePaddingOutOfItsCount() {
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        // Every 3x3 window at padding 1 covers the whole 2x2 input: the mean of four values, not the sum over nine.
        XCTAssertEqual(x.averagePool2dExcludingPadding(kernel: 3, stride: 1, padding: 1).scalars, [2.5, 2.5, 2.5, 2.5])
        let row = Tensor(shape: [1, 1, 1, 4], scalars: [1, 2, 3, 10])
        XCTAssertEqual(row.averagePool2dExcludingPadding(kernel: 3, stride: 1, padding: 1).scalars, [1.5, 2, 5, 6.5])
        XCTAssertEqual(Tensor(shape: [1, 2, 1, 2], scalars: [1, 3, -2, 6]).spatialMean().scalars, [2, 2])
    }

    func testBilinearResizeIsPyTorchsWithoutAlignedCorners() {
        // 2 -> 4 columns: source positions max(0, (i + 0.5) / 2 - 0.5) = 0, 0.25, 0.75, 1.25 (clamped to the edge).
        let row = Tensor(shape: [1, 1, 1, 2], scalars: [0, 8])
        XCTAssertEqual(row.bilinearResized(height: 1, width: 4).scalars, [0, 2, 6, 8])
        // 4 -> 2: positions 0.5 and 2.5, halfway between neighbours.
        let down = Tensor(shape: [1, 1, 1, 4], scalars: [0, 2, 4, 8])
        XCTAssertEqual(down.bilinearResized(height: 1, width: 2).scalars, [1, 6])
        // The same size is the identity; both axes are resized independently.
        let image = random([1, 2, 5, 7], seed: 4)
        XCTAssertEqual(image.bilinearResized(height: 5, width: 7), image)
        let column = Tensor(shape: [1, 1, 2, 1], scalars: [0, 8])
        XCTAssertEqual(column.bilinearResized(height: 4, width: 3).scalars, [0, 0, 0, 2, 2, 2, 6, 6, 6, 8, 8, 8])
    }

    func testReLUAndChannelConcatenation() {
        XCTAssertEqual(Tensor(shape: [3], scalars: [-1, 0, 2]).relu().scalars, [0, 0, 2])
        let a = Tensor(shape: [2, 1, 1, 1], scalars: [1, 2]), b = Tensor(shape: [2, 2, 1, 1], scalars: [3, 4, 5, 6])
        let joined = Tensor.concatenateChannels([a, b, a])
        XCTAssertEqual(joined.shape, [2, 4, 1, 1])
        XCTAssertEqual(joined.scalars, [1, 3, 4, 1, 2, 5, 6, 2])
    }

    func testSymmetricEigendecompositionReconstructsTheMatrix() throws {
        let m = DoubleMatrix(rows: 3, columns: 3, values: [4, 1, 0.5, 1, 3, 0.25, 0.5, 0.25, 2])
        let (values, found) = try m.symmetricEigen(vectors: true)
        let vectors = try XCTUnwrap(found)
        XCTAssertEqual(values, values.sorted())
        XCTAssertEqual(values.reduce(0, +), m.trace, accuracy: 1e-12)
        // V diag(λ) Vᵀ = M.
        for row in 0..<3 {
            for column in 0..<3 {
                let entry = (0..<3).reduce(0.0) { $0 + vectors[row, $1] * values[$1] * vectors[column, $1] }
                XCTAssertEqual(entry, m[row, column], accuracy: 1e-12)
            }
        }
        // Without eigenvectors LAPACK takes another path: the same values to rounding.
        for (alone, withVectors) in zip(try m.symmetricEigen(vectors: false).values, values) {
            XCTAssertEqual(alone, withVectors, accuracy: 1e-12)
        }
        XCTAssertThrowsError(try DoubleMatrix(rows: 1, columns: 2, values: [1, 2]).symmetricEigen(vectors: false))
        let x = DoubleMatrix(rows: 2, columns: 2, values: [1, 2, 3, 4])
        XCTAssertEqual(x.gram().values, [10, 14, 14, 20])
        XCTAssertEqual(x.multiplied(by: x).values, [7, 10, 15, 22])
    }
}
