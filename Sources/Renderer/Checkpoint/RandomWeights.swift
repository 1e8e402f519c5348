import ContentHashing
import Foundation

/// Generated weights for random checkpoints, recorded in request order as F16 (the format they are saved in) and
/// handed to the network as the Float32 values of those F16 numbers.
///
/// Each tensor's values depend only on the seed and its name (SplitMix64 seeded with seed ^ FNV-1a(name), see
/// `GaussianNoise`): matrices and kernels are N(0, 1/fan_in) so activations keep their scale through the
/// untrained network; embedding tables N(0, 0.02^2); norm scales 1; biases and norm shifts 0.
final class RandomWeights: WeightSource {
    private(set) var tensors: [(name: String, shape: [Int], halfBits: [UInt16])] = []
    let seed: UInt64

    init(seed: UInt64) { self.seed = seed }

    var parameterCount: Int? { nil }

    func tensor(named name: String, shape: [Int]) throws -> Tensor {
        let count = shape.reduce(1, *)
        var values: [Float]
        if shape.count == 1 {
            let isScale = name.hasSuffix(".weight") && (name.contains("norm") || name.contains("layer_norm"))
            values = [Float](repeating: isScale ? 1 : 0, count: count)
        } else {
            var generator = GaussianNoise(seed: seed ^ FNV1a.hash64(name.utf8))
            let standardDeviation: Float = name.contains("embedding.weight") && !name.contains("time_embedding")
                ? 0.02 : 1 / Float(max(1, count / shape[0])).squareRoot()
            values = generator.tensor(shape: [count]).scalars
            for index in values.indices { values[index] *= standardDeviation }
        }
        let bits = values.map { Float16($0).bitPattern }
        tensors.append((name, shape, bits))
        return Tensor(shape: shape, scalars: bits.map { Float(Float16(bitPattern: $0)) })
    }

    /// Writes the recorded tensors as an F16 safetensors file, streaming one tensor at a time.
    func write(to url: URL) throws {
        var header = "{\"__metadata__\":{\"format\":\"pt\"}"
        var offset = 0
        for entry in tensors {
            let bytes = entry.halfBits.count * 2
            header += ",\"\(entry.name)\":{\"dtype\":\"F16\",\"shape\":[\(entry.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        while header.utf8.count % 8 != 0 { header += " " }
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forWritingAtPath: url.path) else {
            throw ModelLoadingError.missingFile("cannot create \(url.path)")
        }
        defer { try? handle.close() }
        var length = UInt64(header.utf8.count).littleEndian
        try handle.write(contentsOf: Data(bytes: &length, count: 8))
        try handle.write(contentsOf: Data(header.utf8))
        for entry in tensors {
            try entry.halfBits.withUnsafeBytes { try handle.write(contentsOf: Data($0)) }
        }
    }
}
