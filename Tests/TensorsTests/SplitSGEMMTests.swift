import XCTest
@testable import Tensors
import TensorTesting

/// Matrix products split across cores: the packed-weight kernel by panels and by rows, and `splitSGEMM` (the
/// OpenBLAS form) by rows, by columns and whole, with a bias to accumulate onto, against a double-precision
/// evaluation. Tolerance: 1e-4 relative.
final class SplitSGEMMTests: XCTestCase {
    func testEverySplitMatchesDirectEvaluation() {
        let threads = BLASThreads.count
        defer { BLASThreads.count = threads }
        // (rows, inner, columns): rows split (300 rows, 3 panels), columns split (70 rows, 300 columns: 10 panels,
        // the last one partial), too small to split, more parts than cores would get, and more inner values than
        // one block of the packed kernel (256) with a tile's rows (12) not dividing the rows.
        let shapes = [(300, 37, 90), (70, 45, 300), (20, 9, 30), (1000, 8, 200), (151, 600, 33)]
        for (index, (rows, inner, columns)) in shapes.enumerated() {
            let seed = 500 + UInt64(index) * 3
            let x = Tensor.pseudoRandom([rows, inner], seed: seed)
            let w = Tensor.pseudoRandom([columns, inner], seed: seed + 1)
            let b = Tensor.pseudoRandom([columns], seed: seed + 2)
            var expected = Tensor(zeros: [rows, columns])
            for r in 0..<rows { for c in 0..<columns {
                var sum = Double(b.scalars[c])
                for k in 0..<inner { sum += Double(x.scalars[r * inner + k]) * Double(w.scalars[c * inner + k]) }
                expected.scalars[r * columns + c] = Float(sum)
            } }
            for count in [1, 2, 3] {
                BLASThreads.count = count
                XCTAssertEqual(BLASThreads.count, count)
                let name = "\(rows)x\(inner)x\(columns) on \(count) threads"
                for packing in [true, false] {
                    let weight = PackedLinearWeight(w, packing: packing)
                    XCTAssertEqual(weight.isPacked, packing && PackedLinearWeight.kernelRuns)
                    assertClose(x.linear(weight, bias: b), expected, "linear \(name), packed \(weight.isPacked)")
                }
                assertClose(x.matmul(w, transposeRight: true) + b, expected, "matmul \(name)")
            }
        }
    }
}
