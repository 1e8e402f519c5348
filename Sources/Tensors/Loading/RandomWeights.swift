import ContentHashing
import Foundation

/// Generated weights for random checkpoints, recorded in request order as F16 (the format they are saved in) and
/// handed to the network as the Float32 values of those F16 numbers.
///
/// Each tensor's values depend only on the seed and its name (SplitMix64 seeded with seed ^ FNV-1a(name), see
/// `GaussianNoise`): matrices and kernels are N(0, 1/fan_in) so activations keep their scale through the
/// untrained network; embedding tables N(0, 0.02^2); norm scales 1; biases and norm shifts 0; tensors a network
/// fixes by rule (a motion module's position table) come from `fixedValues`. The F16 bytes go to a spool file as they are generated, so a
/// multi-gigabyte network is held once (as the network's Float32 weights), not twice.
package final class RandomWeights: WeightSource {
    package private(set) var entries: [(name: String, shape: [Int])] = []
    package let seed: UInt64
    /// The values of tensors that are not learned but fixed by the network's definition; nil for the others.
    private let fixedValues: (_ name: String, _ shape: [Int]) -> Tensor?
    /// The spool file's handle; its name is removed as soon as it is open, so the file goes with the handle, even
    /// when the process is killed.
    private var spool: FileHandle?

    package init(seed: UInt64, fixedValues: @escaping (_ name: String, _ shape: [Int]) -> Tensor? = { _, _ in nil }) {
        self.seed = seed
        self.fixedValues = fixedValues
    }

    deinit { try? spool?.close() }

    package var parameterCount: Int? { nil }

    package func contains(_ name: String) -> Bool { false }

    package func tensor(named name: String, shape: [Int]) throws -> Tensor {
        let count = shape.reduce(1, *)
        var values: [Float]
        if let fixed = fixedValues(name, shape) {
            precondition(fixed.shape == shape, "fixed values for \(name) have shape \(fixed.shape), expected \(shape)")
            values = fixed.scalars
        } else if shape.count == 1 {
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
        try spoolHandle().write(contentsOf: bits.withUnsafeBytes { Data($0) })
        entries.append((name, shape))
        return Tensor(shape: shape, scalars: bits.map { Float(Float16(bitPattern: $0)) })
    }

    private func spoolHandle() throws -> FileHandle {
        if let spool { return spool }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tbd-random-weights-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forUpdatingAtPath: url.path) else {
            throw ModelLoadingError.missingFile("cannot create the spool file \(url.path)")
        }
        try? FileManager.default.removeItem(at: url)
        spool = handle
        return handle
    }

    /// Writes the recorded tensors as an F16 safetensors file: the header, then the spooled bytes in blocks.
    package func write(to url: URL) throws {
        var header = "{\"__metadata__\":{\"format\":\"pt\"}"
        var offset = 0
        for entry in entries {
            let bytes = entry.shape.reduce(1, *) * 2
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
        if let spool {
            try spool.seek(toOffset: 0)
            while let block = try spool.read(upToCount: 1 << 24), !block.isEmpty {
                try handle.write(contentsOf: block)
            }
        }
    }
}
