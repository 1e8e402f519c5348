import Foundation

/// Reads a network's weights by their diffusers names, converting each once to Float32 and checking its shape.
struct WeightReader {
    let file: SafeTensorsFile
    let prefix: String

    init(file: SafeTensorsFile, prefix: String = "") {
        self.file = file
        self.prefix = prefix
    }

    /// The reader for a sub-module: names below `name.`.
    func scope(_ name: String) -> WeightReader {
        WeightReader(file: file, prefix: prefix + name + ".")
    }

    func contains(_ name: String) -> Bool { file.entries[prefix + name] != nil }

    /// The tensor `name`; with `shape`, a different stored shape is an error naming the weight.
    func callAsFunction(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        let full = prefix + name
        guard file.entries[full] != nil else {
            throw ModelLoadingError.invalidConfiguration("weights lack \"\(full)\": the checkpoint does not match its config")
        }
        let tensor = try file.tensor(named: full)
        if let shape, tensor.shape != shape {
            throw ModelLoadingError.weightShape(name: full, expected: shape, found: tensor.shape)
        }
        return tensor
    }
}
