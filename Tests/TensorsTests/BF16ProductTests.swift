import CPUFeatures
import Foundation
import PackedMatrixProduct
import XCTest
@testable import Tensors
import ReproducibleTesting
import TensorTesting

/// The BF16 packed product (PackedMatrixProductBF16.c) and its Float32 fallback: the feature check agrees with
/// the kernel's own report of the processor, rounding is PyTorch's, and products equal a double-precision sum of
/// the BF16-rounded operands to Float32 accumulation error.
final class BF16ProductTests: XCTestCase {
    /// Linux's flag list reads the same cpuid bit; the kernel also clears it where the OS does not save ZMM state.
    func testAVX512BF16ReportMatchesTheKernelsFlags() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        guard let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            return XCTFail("no flags line in /proc/cpuinfo")
        }
        // TBD_CPU_DISABLE masks the feature off (BF16FallbackTests runs a child process so).
        let listed = flags.split(separator: " ").contains("avx512_bf16") && cpu_features_disabled() & UInt32(CPU_FEATURE_AVX512BF16) == 0
        XCTAssertEqual(cpu_features_present(UInt32(CPU_FEATURE_AVX512BF16)) != 0, listed)
        XCTAssertEqual(WeightPrecision.bf16KernelRuns, listed && cpu_features_present(UInt32(CPU_FEATURE_AVX512F)) != 0)
    }

    /// `TBD_CPU_DISABLE`'s comma list: names in any case, spaces around them, empty items; an unknown name masks
    /// nothing (and is reported on stderr).
    func testDisabledFeatureListNamesTheMaskedFeatures() {
        XCTAssertEqual(cpu_features_parse_disabled(nil), 0)
        XCTAssertEqual(cpu_features_parse_disabled(""), 0)
        XCTAssertEqual(cpu_features_parse_disabled("avx512bf16"), UInt32(CPU_FEATURE_AVX512BF16))
        XCTAssertEqual(cpu_features_parse_disabled(" AVX512F ,, fma"), UInt32(CPU_FEATURE_AVX512F | CPU_FEATURE_FMA))
        XCTAssertEqual(cpu_features_parse_disabled("avx2,avx512vl,avx512bf16"),
                       UInt32(CPU_FEATURE_AVX2 | CPU_FEATURE_AVX512VL | CPU_FEATURE_AVX512BF16))
        XCTAssertEqual(cpu_features_parse_disabled("avx512,avx512bf16x"), 0)
        XCTAssertEqual(cpu_features_parse_disabled("sse9,avx2"), UInt32(CPU_FEATURE_AVX2))
        // This process was started without the variable, so nothing is masked.
        if ProcessInfo.processInfo.environment["TBD_CPU_DISABLE"] == nil { XCTAssertEqual(cpu_features_disabled(), 0) }
    }

    /// To nearest, ties to even (the bit patterns torch.tensor([...]).to(torch.bfloat16) gives); NaN stays NaN and
    /// the largest floats round to infinity.
    func testRoundingIsToNearestTiesToEven() {
        let cases: [(Float, Float)] = [
            (1 + 0x1p-8, 1),  // a tie, to the even 1.0
            (1 + 3 * 0x1p-8, 1 + 0x1p-6),  // a tie, to the even neighbour above
            (1 + 0x1p-8 + 0x1p-20, 1 + 0x1p-7),  // past the tie
            (-(1 + 0x1p-8 + 0x1p-20), -(1 + 0x1p-7)),
            (0x1p-130, 0x1p-130),  // subnormals keep their top bits
            (Float.greatestFiniteMagnitude, .infinity),
            (0, 0),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(WeightPrecision.bf16Rounded(value), expected, "\(value)")
        }
        XCTAssertTrue(WeightPrecision.bf16Rounded(.nan).isNaN)
    }

    /// Shapes with an odd inner width, ragged last panels, a single row, and blockings that split inner and rows
    /// into several blocks (16 inner values, 24 rows) as well as the machine's.
    func testProductMatchesDoubleSumOfRoundedOperands() {
        var generator = SplitMix64(seed: 22)
        let shapes: [(rows: Int, inner: Int, columns: Int)] = [(1, 1, 1), (13, 77, 45), (30, 320, 640), (100, 1023, 33), (7, 3, 100)]
        let blockings = [PackedLinearWeight.machineBlocking, PackedMatrixBlocking(inner_block: 16, row_block: 24)]
        for (rows, inner, columns) in shapes {
            let input = (0..<rows * inner).map { _ in Float.random(in: -1...1, using: &generator) }
            let weight = Tensor(shape: [columns, inner], scalars: (0..<columns * inner).map { _ in Float.random(in: -1...1, using: &generator) })
            let bias = (0..<columns).map { _ in Float.random(in: -1...1, using: &generator) }
            let packed = PackedLinearWeight(weight, precision: .bf16)
            XCTAssertEqual(packed.runsBF16, WeightPrecision.bf16KernelRuns)
            // The kernel rounds its input too; the fallback keeps it Float32.
            let left = WeightPrecision.bf16KernelRuns ? input.map(WeightPrecision.bf16Rounded) : input
            let right = weight.scalars.map(WeightPrecision.bf16Rounded)
            for blocking in blockings {
                var output = [Float](repeating: .nan, count: rows * columns)
                input.withUnsafeBufferPointer { i in
                    bias.withUnsafeBufferPointer { b in
                        output.withUnsafeMutableBufferPointer { o in
                            packed.product(i.baseAddress!, rows: rows, bias: b.baseAddress!, into: o.baseAddress!, blocking: blocking)
                        }
                    }
                }
                var worst = 0.0
                for r in 0..<rows {
                    for j in 0..<columns {
                        var sum = Double(bias[j]), magnitude = abs(Double(bias[j]))
                        for k in 0..<inner {
                            let term = Double(left[r * inner + k]) * Double(right[j * inner + k])
                            sum += term
                            magnitude += abs(term)
                        }
                        worst = max(worst, abs(Double(output[r * columns + j]) - sum) / magnitude)
                    }
                }
                // Float32 sums of up to 1023 terms: a few units of 2^-24 per term at worst, far less in practice.
                XCTAssertLessThan(worst, 1e-6, "\(rows)x\(inner)x\(columns), blocking \(blocking.inner_block)/\(blocking.row_block)")
            }
        }
    }

    /// The BF16 weight holds exactly the rounded values (read back through `unpacked`), and the F32 weight is the
    /// weight unchanged.
    func testWeightsAreStoredRounded() {
        var generator = SplitMix64(seed: 5)
        let weight = Tensor(shape: [37, 21], scalars: (0..<37 * 21).map { _ in Float.random(in: -3...3, using: &generator) })
        XCTAssertEqual(PackedLinearWeight(weight, precision: .bf16).unpacked.scalars, weight.scalars.map(WeightPrecision.bf16Rounded))
        XCTAssertEqual(PackedLinearWeight(weight, precision: .f32).unpacked.scalars, weight.scalars)
        XCTAssertNotEqual(weight.scalars.map(WeightPrecision.bf16Rounded), weight.scalars)
    }
}
