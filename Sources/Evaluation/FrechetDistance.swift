import Foundation
import Tensors

/// The Fréchet distance between two sets of feature vectors, each summarised as a Gaussian, computed as
/// pytorch-fid 0.3.0's `calculate_frechet_distance` computes it from `calculate_activation_statistics`:
///
///     d² = |mu1 - mu2|² + tr(S1) + tr(S2) - 2 tr(sqrtm(S1 S2))
///
/// with the means and the sample covariances (`np.cov(rowvar=False)`, divisor n - 1) in double precision.
///
/// pytorch-fid takes `scipy.linalg.sqrtm` of the product, keeps its real part and sums its diagonal. Only that trace
/// is needed, and for covariance matrices (symmetric, positive semi-definite) it is the sum of the square roots of
/// the eigenvalues of the symmetric matrix M = sqrt(S1) S2 sqrt(S1): S1 S2 = sqrt(S1) (sqrt(S1) S2) and
/// M = (sqrt(S1) S2) sqrt(S1) are products of the same two factors in both orders, so they have the same non-zero
/// eigenvalues, all non-negative as M is positive semi-definite; the principal square root of S1 S2 has the square
/// roots of those eigenvalues, and the trace is their sum. Two symmetric eigendecompositions (LAPACK `dsyevd`) give
/// it: no complex arithmetic, and no singular product to fall back from, so pytorch-fid's `eps·I` retry (taken only
/// when sqrtm returns non-finite values) has no counterpart here. The fixtures check the result against scipy at
/// 1e-3 relative on a full-rank and a rank-deficient pair of sets.
public enum FrechetDistance {
    /// The mean and covariance of a set of feature vectors, in double precision.
    public struct Statistics: Sendable {
        public let count: Int
        public let mean: [Double]
        package let covariance: DoubleMatrix

        public var dimension: Int { mean.count }

        /// FEATURES: one row per sample, all of one length; at least two, for the covariance's n - 1.
        public init(features: [[Float]]) throws {
            guard features.count >= 2 else {
                throw EvaluationError("a Fréchet distance needs at least 2 feature vectors per set, got \(features.count)")
            }
            let dimension = features[0].count
            guard dimension > 0, features.allSatisfy({ $0.count == dimension }) else {
                throw EvaluationError("feature vectors of one set differ in length (or are empty): \(Set(features.map(\.count)).sorted())")
            }
            guard features.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                throw EvaluationError("a feature vector holds NaN or an infinite value")
            }
            var mean = [Double](repeating: 0, count: dimension)
            for row in features {
                for index in 0..<dimension { mean[index] += Double(row[index]) }
            }
            for index in 0..<dimension { mean[index] /= Double(features.count) }
            var centred = [Double](repeating: 0, count: features.count * dimension)
            for (rowIndex, row) in features.enumerated() {
                for index in 0..<dimension { centred[rowIndex * dimension + index] = Double(row[index]) - mean[index] }
            }
            var covariance = DoubleMatrix(rows: features.count, columns: dimension, values: centred).gram()
            let divisor = Double(features.count - 1)
            for index in covariance.values.indices { covariance.values[index] /= divisor }
            self.count = features.count
            self.mean = mean
            self.covariance = covariance
        }
    }

    /// The distance between the Gaussians of two feature sets (FID when they are `FIDFeatures`).
    public static func compute(_ a: [[Float]], _ b: [[Float]]) throws -> Double {
        try compute(Statistics(features: a), Statistics(features: b))
    }

    public static func compute(_ a: Statistics, _ b: Statistics) throws -> Double {
        guard a.dimension == b.dimension else {
            throw EvaluationError("feature sets of \(a.dimension) and \(b.dimension) dimensions cannot be compared")
        }
        let meanTerm = zip(a.mean, b.mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let root = try symmetricSquareRoot(a.covariance)
        let product = root.multiplied(by: b.covariance).multiplied(by: root)
        let eigenvalues = try product.symmetricEigen(vectors: false).values
        // Rounding leaves the zero eigenvalues of a rank-deficient product slightly negative: they count as zero.
        let traceOfRoot = eigenvalues.reduce(0) { $0 + max($1, 0).squareRoot() }
        return meanTerm + a.covariance.trace + b.covariance.trace - 2 * traceOfRoot
    }

    /// The symmetric square root V diag(sqrt(max(λ, 0))) Vᵀ of a positive semi-definite matrix.
    static func symmetricSquareRoot(_ matrix: DoubleMatrix) throws -> DoubleMatrix {
        let (values, decomposition) = try matrix.symmetricEigen(vectors: true)
        guard let vectors = decomposition else { throw EvaluationError("no eigenvectors came back from dsyevd") }
        let n = matrix.rows
        var scaled = vectors.values
        for row in 0..<n {
            for column in 0..<n { scaled[row * n + column] *= max(values[column], 0).squareRoot() }
        }
        var transposed = vectors.values
        for row in 0..<n {
            for column in 0..<n { transposed[column * n + row] = vectors.values[row * n + column] }
        }
        return DoubleMatrix(rows: n, columns: n, values: scaled).multiplied(by: DoubleMatrix(rows: n, columns: n, values: transposed))
    }
}
