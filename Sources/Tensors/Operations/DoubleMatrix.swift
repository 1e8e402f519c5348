import COpenBLAS
import Foundation

/// A dense row-major matrix of doubles, for statistics numpy and scipy compute in double precision (the Fréchet
/// distance's covariances and matrix square root), with the BLAS and LAPACK routines they need.
package struct DoubleMatrix: Equatable, Sendable {
    package let rows: Int
    package let columns: Int
    package var values: [Double]

    package init(rows: Int, columns: Int, values: [Double]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns, "\(rows)x\(columns) does not hold \(values.count) values")
        (self.rows, self.columns, self.values) = (rows, columns, values)
    }

    package subscript(row: Int, column: Int) -> Double { values[row * columns + column] }

    package var trace: Double { (0..<min(rows, columns)).reduce(0) { $0 + self[$1, $1] } }

    /// self x other (`dgemm`).
    package func multiplied(by other: DoubleMatrix) -> DoubleMatrix {
        precondition(columns == other.rows, "cannot multiply \(rows)x\(columns) by \(other.rows)x\(other.columns)")
        var result = [Double](repeating: 0, count: rows * other.columns)
        guard rows > 0, other.columns > 0, columns > 0 else { return DoubleMatrix(rows: rows, columns: other.columns, values: result) }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(other.columns), Int32(columns),
                    1, values, Int32(columns), other.values, Int32(other.columns), 0, &result, Int32(other.columns))
        return DoubleMatrix(rows: rows, columns: other.columns, values: result)
    }

    /// selfᵀ x self (`dsyrk` on the upper triangle, mirrored): the Gram matrix of the columns.
    package func gram() -> DoubleMatrix {
        var result = [Double](repeating: 0, count: columns * columns)
        guard rows > 0, columns > 0 else { return DoubleMatrix(rows: columns, columns: columns, values: result) }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows), 1, values, Int32(columns),
                    0, &result, Int32(columns))
        for row in 0..<columns {
            for column in 0..<row { result[row * columns + column] = result[column * columns + row] }
        }
        return DoubleMatrix(rows: columns, columns: columns, values: result)
    }

    /// The eigenvalues (ascending) and, when asked, the eigenvectors (the columns of `vectors`) of this symmetric
    /// matrix, by LAPACK's divide-and-conquer solver `dsyevd`. A symmetric matrix is its own transpose, so the
    /// row-major values are what the column-major routine expects; the eigenvectors come back column-major and are
    /// transposed into rows of `vectors`' transpose, i.e. `vectors[i, k]` is component i of eigenvector k.
    package func symmetricEigen(vectors wanted: Bool) throws -> (values: [Double], vectors: DoubleMatrix?) {
        guard rows == columns else { throw TensorError.shapeMismatch("eigenvalues of a \(rows)x\(columns) matrix") }
        guard rows > 0 else { return ([], wanted ? self : nil) }
        var n = Int32(rows), lda = Int32(rows), info: Int32 = 0
        var matrix = values
        var eigenvalues = [Double](repeating: 0, count: rows)
        let job: CChar = wanted ? 86 : 78, lower: CChar = 76  // "V" or "N"; "L"
        var job1 = job, lower1 = lower
        // A workspace query first (lwork = liwork = -1), then the solve with the sizes it asks for.
        var workSize = 0.0, iworkSize: Int32 = 0, query: Int32 = -1
        dsyevd_(&job1, &lower1, &n, &matrix, &lda, &eigenvalues, &workSize, &query, &iworkSize, &query, &info, 1, 1)
        guard info == 0 else { throw TensorError.unsupported("dsyevd workspace query failed (info \(info))") }
        var lwork = Int32(workSize.rounded(.up)), liwork = iworkSize
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&job1, &lower1, &n, &matrix, &lda, &eigenvalues, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        guard info == 0 else {
            throw TensorError.unsupported(info < 0 ? "dsyevd argument \(-info)" : "dsyevd did not converge (info \(info))")
        }
        guard wanted else { return (eigenvalues, nil) }
        // Column-major eigenvectors: element (i, k) is at k * n + i; stored row-major as vectors[i, k].
        var rowMajor = [Double](repeating: 0, count: rows * rows)
        for k in 0..<rows {
            for i in 0..<rows { rowMajor[i * rows + k] = matrix[k * rows + i] }
        }
        return (eigenvalues, DoubleMatrix(rows: rows, columns: rows, values: rowMajor))
    }
}
