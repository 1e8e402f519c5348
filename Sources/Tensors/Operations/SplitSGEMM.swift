import COpenBLAS
import Foundation

/// output = left [rows, inner] x right ([inner, columns], or [columns, inner] when `transposeRight`), plus what
/// `output` holds when `accumulate`; row-major with the given strides. The product is split across `BLASThreads`
/// cores, each part one single-threaded `sgemm`. Each part packs its own copy of the operand that is not split,
/// so the split goes along the longer side: rows when the left operand is the larger, else columns.
package func splitSGEMM(transposeRight: Bool, rows: Int, columns: Int, inner: Int,
                left: UnsafePointer<Float>, leftStride: Int, right: UnsafePointer<Float>, rightStride: Int,
                accumulate: Bool, output: UnsafeMutablePointer<Float>, outputStride: Int) {
    guard rows > 0, columns > 0 else { return }
    // Parts under this many rows or columns would spend more on packing and dispatch than they save.
    let minimumPart = 64
    let threads = BLASThreads.count
    let byRows = rows >= 2 * minimumPart && (rows >= columns || columns < 2 * minimumPart)
    let parts = min(threads, max(1, (byRows ? rows : columns) / minimumPart))

    func product(rows rowRange: Range<Int>, columns columnRange: Range<Int>) {
        let rightStart = transposeRight ? columnRange.lowerBound * rightStride : columnRange.lowerBound
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeRight ? CblasTrans : CblasNoTrans,
                    Int32(rowRange.count), Int32(columnRange.count), Int32(inner), 1,
                    left + rowRange.lowerBound * leftStride, Int32(leftStride), right + rightStart, Int32(rightStride),
                    accumulate ? 1 : 0, output + rowRange.lowerBound * outputStride + columnRange.lowerBound, Int32(outputStride))
    }
    guard parts > 1 else {
        product(rows: 0..<rows, columns: 0..<columns)
        return
    }
    parallelPerform(iterations: parts) { part in
        if byRows {
            product(rows: (rows * part / parts)..<(rows * (part + 1) / parts), columns: 0..<columns)
        } else {
            // Column parts in multiples of 16, so each starts on a cache line of the output.
            let blocks = (columns + 15) / 16
            let first = min(columns, blocks * part / parts * 16), end = min(columns, blocks * (part + 1) / parts * 16)
            if first < end { product(rows: 0..<rows, columns: first..<end) }
        }
    }
}
