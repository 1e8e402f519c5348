import CPUFeatures
import DirectConvolution
import PackedMatrixProduct
import XCTest
@testable import Tensors
import TensorTesting

/// The kernels' block sizes follow their rules as functions of the cache sizes (checked for machines other than
/// this one, without running on them), and unusual caches (a tiny L2, a huge one) still give correct results.
final class CacheBlockingTests: XCTestCase {
    private let zen4 = CPUCaches.sizes(l1d: 32 << 10, l2: 1 << 20)
    private let xeon = CPUCaches.sizes(l1d: 48 << 10, l2: 2 << 20)
    private let tiny = CPUCaches.sizes(l1d: 4 << 10, l2: 16 << 10)
    private let huge = CPUCaches.sizes(l1d: 1 << 20, l2: 256 << 20)

    /// The sizes this machine reports are plausible, and the sources that report them agree on L1d and L2 (glibc,
    /// cpuid and the kernel's sysfs all read the processor's own description).
    func testMachineCachesArePlausibleAndSourcesAgree() {
        let machine = CPUCaches.machine
        XCTAssertGreaterThanOrEqual(machine.l1d, 4 << 10, CPUCaches.describe())
        XCTAssertLessThanOrEqual(machine.l1d, 4 << 20, CPUCaches.describe())
        XCTAssertGreaterThan(machine.l2, machine.l1d, CPUCaches.describe())
        for source in [CPUCacheSourceSysconf, CPUCacheSourceCPUID, CPUCacheSourceSysfs] {
            var sizes = CPUCacheSizes()
            guard cpu_cache_sizes_from(source, &sizes) == 0 else { continue }
            if sizes.l1d > 0 { XCTAssertEqual(sizes.l1d, machine.l1d, "L1d from \(CPUCaches.describe(sizes))") }
            if sizes.l2 > 0 { XCTAssertEqual(sizes.l2, machine.l2, "L2 from \(CPUCaches.describe(sizes))") }
        }
    }

    /// 3/8 of L2 in weights per channel block, never under one full tile (8 rows x 8 channels x 49 taps).
    func testConvolutionWeightBlockIsThreeEighthsOfL2() {
        XCTAssertEqual(direct_convolution_weight_block_floats(zen4.l2), 96 * 1024)
        XCTAssertEqual(direct_convolution_weight_block_floats(xeon.l2), 192 * 1024)
        XCTAssertEqual(direct_convolution_weight_block_floats(256 << 10), 24 * 1024)
        XCTAssertEqual(direct_convolution_weight_block_floats(tiny.l2), 8 * 8 * 49)
    }

    /// A panel's block ([inner][32] floats) takes three times L1d; the packed left block ([rows][inner]) half of L2,
    /// in whole 12-row tiles (a packed left operand addresses its blocks by tile); both clamped.
    func testPackedProductBlockingTakesThreeL1dAndHalfOfL2() {
        let cases: [(CPUCacheSizes, inner: Int32, rows: Int32)] = [
            (zen4, 768, 168), (xeon, 1152, 216), (tiny, 96, 12), (huge, 2048, 4092),
        ]
        for (caches, inner, rows) in cases {
            let blocking = packed_matrix_blocking_for(caches.l1d, caches.l2)
            XCTAssertEqual(blocking.inner_block, inner, CPUCaches.describe(caches))
            XCTAssertEqual(blocking.row_block, rows, CPUCaches.describe(caches))
            XCTAssertEqual(blocking.row_block % Int32(PACKED_MATRIX_TILE_ROWS), 0)
        }
        let machine = PackedLinearWeight.machineBlocking
        let expected = packed_matrix_blocking_for(CPUCaches.machine.l1d, CPUCaches.machine.l2)
        XCTAssertEqual([machine.inner_block, machine.row_block], [expected.inner_block, expected.row_block])
    }

    /// Fused attention: a call's rows hold their queries and accumulators in 5/8 of L1d, in whole 8-row tiles,
    /// 8 to 512. The blocked path: a block's scores take twice L2.
    func testAttentionBlocksFollowL1dAndL2() {
        XCTAssertEqual(Attention.fusedRows(headDim: 40, caches: zen4), 64)
        XCTAssertEqual(Attention.fusedRows(headDim: 40, caches: xeon), 96)
        XCTAssertEqual(Attention.fusedRows(headDim: 80, caches: zen4), 32)
        XCTAssertEqual(Attention.fusedRows(headDim: 160, caches: zen4), 16)
        XCTAssertEqual(Attention.fusedRows(headDim: 40, caches: tiny), 8)
        XCTAssertEqual(Attention.fusedRows(headDim: 40, caches: huge), 512)
        XCTAssertEqual(Attention.blockedRows(queries: 4096, keys: 4096, caches: zen4), 128)
        XCTAssertEqual(Attention.blockedRows(queries: 4096, keys: 4096, caches: xeon), 256)
        XCTAssertEqual(Attention.blockedRows(queries: 100, keys: 77, caches: huge), 100)
        XCTAssertEqual(Attention.blockedRows(queries: 4096, keys: 1 << 30, caches: tiny), 1)
    }

    /// The unfolded (im2col) convolution's bands: four times L2 in columns, at least one output row, at most all.
    func testUnfoldingBandIsFourTimesL2() {
        XCTAssertEqual(Tensor.unfoldingBandRows(patch: 320 * 9, outputWidth: 32, outputHeight: 32, caches: zen4), 11)
        XCTAssertEqual(Tensor.unfoldingBandRows(patch: 320 * 9, outputWidth: 32, outputHeight: 32, caches: xeon), 22)
        XCTAssertEqual(Tensor.unfoldingBandRows(patch: 320 * 9, outputWidth: 32, outputHeight: 32, caches: tiny), 1)
        XCTAssertEqual(Tensor.unfoldingBandRows(patch: 320 * 9, outputWidth: 32, outputHeight: 32, caches: huge), 32)
    }

    /// A strided convolution unfolded a row at a time (tiny L2) and in one band (huge) against a double-precision
    /// evaluation of the same kernel, sampled at stride 2.
    func testUnfoldedConvolutionUnderUnusualCachesMatchesDirectEvaluation() {
        let x = Tensor.pseudoRandom([2, 30, 9, 8], seed: 921)
        let w = Tensor.pseudoRandom([12, 30, 3, 3], seed: 922)
        let b = Tensor.pseudoRandom([12], seed: 923)
        let full = naiveConvolution(x, w, b)
        var sampled = [Float]()
        for n in 0..<2 {
            for o in 0..<12 {
                for y in stride(from: 0, to: 9, by: 2) {
                    for xx in stride(from: 0, to: 8, by: 2) { sampled.append(full.scalars[((n * 12 + o) * 9 + y) * 8 + xx]) }
                }
            }
        }
        let expected = Tensor(shape: [2, 12, 5, 4], scalars: sampled)
        for caches in [tiny, huge] {
            let result = x.unfoldedConv2d(weight: w, bias: b, stride: 2, paddingHeight: 1, paddingWidth: 1, caches: caches)
            assertClose(result, expected, "stride 2, \(CPUCaches.describe(caches))")
        }
    }

    /// A convolution with many channel blocks (tiny L2: 8 channels a block) and with one (huge L2) against a
    /// double-precision evaluation; the two give identical sums, as blocking only regroups what goes through memory.
    func testConvolutionUnderUnusualCachesMatchesDirectEvaluation() throws {
        let kernels = ConvolutionKernel.allCases.filter(\.isSupported)
        try XCTSkipIf(kernels.isEmpty, "this processor runs no direct convolution variant")
        let x = Tensor.pseudoRandom([2, 70, 6, 7], seed: 901)
        let w = Tensor.pseudoRandom([20, 70, 3, 3], seed: 902)
        let b = Tensor.pseudoRandom([20], seed: 903)
        let expected = naiveConvolution(x, w, b)
        for kernel in kernels {
            let small = x.directConv2d(weight: w, bias: b, kernel: kernel, caches: tiny)
            let large = x.directConv2d(weight: w, bias: b, kernel: kernel, caches: huge)
            assertClose(small, expected, "\(kernel.rawValue), tiny L2")
            assertClose(large, expected, "\(kernel.rawValue), huge L2")
            XCTAssertEqual(small.scalars, large.scalars, "\(kernel.rawValue): blocking changed the sums")
        }
    }

    /// A packed product over many inner and row blocks (tiny caches: 96 inner values, 12 rows a block) and over
    /// one (huge), against a double-precision evaluation, both splits between cores (by rows, by panels), and
    /// blocks ending in a tile of 1-4 or 5-8 rows (the 4- and 8-row kernels).
    func testPackedProductUnderUnusualCachesMatchesDirectEvaluation() throws {
        try XCTSkipIf(!PackedLinearWeight.kernelRuns, "this processor does not run the packed product")
        for (rows, inner, columns) in [(130, 300, 70), (9, 200, 150), (7, 200, 150), (28, 90, 70), (3, 40, 33)] {
            let x = Tensor.pseudoRandom([rows, inner], seed: UInt64(rows))
            let w = Tensor.pseudoRandom([columns, inner], seed: UInt64(inner))
            let b = Tensor.pseudoRandom([columns], seed: UInt64(columns))
            let weight = PackedLinearWeight(w)
            var expected = [Float](repeating: 0, count: rows * columns)
            for r in 0..<rows {
                for j in 0..<columns {
                    var sum = Double(b.scalars[j])
                    for k in 0..<inner { sum += Double(x.scalars[r * inner + k]) * Double(w.scalars[j * inner + k]) }
                    expected[r * columns + j] = Float(sum)
                }
            }
            var results = [[Float]]()
            for caches in [tiny, huge] {
                let blocking = packed_matrix_blocking_for(caches.l1d, caches.l2)
                var out = [Float](repeating: .nan, count: rows * columns)
                x.scalars.withUnsafeBufferPointer { input in
                    b.scalars.withUnsafeBufferPointer { bias in
                        out.withUnsafeMutableBufferPointer { output in
                            weight.product(input.baseAddress!, rows: rows, bias: bias.baseAddress!, into: output.baseAddress!, blocking: blocking)
                        }
                    }
                }
                assertClose(Tensor(shape: [rows, columns], scalars: out), Tensor(shape: [rows, columns], scalars: expected),
                            "\(rows)x\(inner)x\(columns), \(CPUCaches.describe(caches))")
                results.append(out)
            }
            XCTAssertEqual(results[0], results[1], "\(rows)x\(inner)x\(columns): blocking changed the sums")
        }
    }

    /// Fused attention with 8 rows a call (tiny L1d) and 512 (huge) against a double-precision evaluation.
    func testFusedAttentionUnderUnusualCachesMatchesDirectEvaluation() throws {
        let kernels = AttentionKernel.allCases.filter(\.isSupported)
        try XCTSkipIf(kernels.isEmpty, "this processor runs no fused attention variant")
        let q = Tensor.pseudoRandom([2, 150, 80], seed: 911)
        let k = Tensor.pseudoRandom([2, 130, 80], seed: 912)
        let v = Tensor.pseudoRandom([2, 130, 80], seed: 913)
        let expected = directAttention(q, k, v, heads: 2, causal: false)
        for kernel in kernels {
            for caches in [tiny, huge] {
                assertClose(Attention.fusedProduct(query: q, key: k, value: v, heads: 2, kernel: kernel, caches: caches), expected,
                            "\(kernel.rawValue), \(CPUCaches.describe(caches))")
            }
        }
    }

    private func naiveConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor {
        let (images, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outChannels, size) = (w.shape[0], w.shape[2])
        var out = [Float](repeating: 0, count: images * outChannels * height * width)
        for n in 0..<images {
            for o in 0..<outChannels {
                for y in 0..<height {
                    for xx in 0..<width {
                        var sum = Double(b.scalars[o])
                        for c in 0..<channels {
                            for ky in 0..<size {
                                for kx in 0..<size {
                                    let (iy, ix) = (y + ky - size / 2, xx + kx - size / 2)
                                    guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                    sum += Double(x.scalars[((n * channels + c) * height + iy) * width + ix])
                                        * Double(w.scalars[((o * channels + c) * size + ky) * size + kx])
                                }
                            }
                        }
                        out[((n * outChannels + o) * height + y) * width + xx] = Float(sum)
                    }
                }
            }
        }
        return Tensor(shape: [images, outChannels, height, width], scalars: out)
    }
}
