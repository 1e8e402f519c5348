import ContentHashing
import Foundation
import Tensors

/// The random weights of the network fixtures, generated here as scripts/make-eval-network-fixtures.py generates
/// them (`seeded_uniform_weights`): every value a function of the seed and the tensor's name, so the ~100 MB of
/// Inception weights the converter wrote need not be committed. The fixture records the SHA-256 of the converted
/// file's tensors; `digest` is the same hash over the tensors read here, so equal digests mean the network under
/// test runs on exactly the weights the converter produced from the original-format file.
final class SeededUniformWeights: WeightSource {
    let seed: UInt64
    private(set) var read: [String: Tensor] = [:]

    init(seed: UInt64) { self.seed = seed }

    var parameterCount: Int? { nil }

    func contains(_ name: String) -> Bool { false }

    func tensor(named name: String, shape: [Int]) throws -> Tensor {
        let count = shape.reduce(1, *)
        var state = seed ^ FNV1a.hash64(name.utf8)
        var values = [Float](repeating: 0, count: count)
        let kernelScale = Float((6.0 / Double(count / max(1, shape[0]))).squareRoot())
        for index in 0..<count {
            // SplitMix64's next output; the top 24 bits as a float in [0, 1), exactly as numpy computes it.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let u = Float(z >> 40) * 0x1p-24
            let s = 2 * u - 1
            if shape.count > 1 {
                values[index] = s * kernelScale
            } else if name.hasSuffix("running_var") {
                values[index] = 0.5 + u
            } else if name.hasSuffix(".weight") {
                values[index] = 1 + s * 0.25
            } else {
                values[index] = s * 0.1
            }
        }
        let tensor = Tensor(shape: shape, scalars: values)
        read[name] = tensor
        return tensor
    }

    /// SHA-256 over the tensors read, in name order: the name, a zero byte, the float32 values little endian.
    var digest: String {
        var hasher = SHA256Digest()
        for name in read.keys.sorted() {
            hasher.update(Data(name.utf8) + Data([0]))
            read[name]!.scalars.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finishHex()
    }
}
