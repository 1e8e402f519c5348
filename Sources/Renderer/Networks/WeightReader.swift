import Foundation

/// Where a network's weights come from: a checkpoint file, or generated values (random checkpoints).
protocol WeightSource {
    /// The tensor `name`, which must have `shape`.
    func tensor(named name: String, shape: [Int]) throws -> Tensor
    /// How many scalars the source holds in all, when it is a file; nil for generated weights.
    var parameterCount: Int? { get }
    /// Whether a file holds `name` (for layouts with alternative names); generated weights hold none in advance.
    func contains(_ name: String) -> Bool
}

extension SafeTensorsFile: WeightSource {
    var parameterCount: Int? {
        // From the byte ranges, which the header parser has already checked against the file's size.
        entries.values.reduce(0) { $0 + $1.byteRange.count / $1.dtype.byteSize }
    }

    func contains(_ name: String) -> Bool { entries[name] != nil }

    func tensor(named name: String, shape: [Int]) throws -> Tensor {
        guard let entry = entries[name] else {
            throw ModelLoadingError.invalidConfiguration("weights lack \"\(name)\": the checkpoint does not match its config")
        }
        guard entry.shape == shape else { throw ModelLoadingError.weightShape(name: name, expected: shape, found: entry.shape) }
        return try tensor(named: name)
    }
}

/// Reads a network's weights by their diffusers names, each converted once to Float32 with its shape checked.
struct WeightReader {
    let source: WeightSource
    let prefix: String

    init(source: WeightSource, prefix: String = "") {
        self.source = source
        self.prefix = prefix
    }

    /// The reader for a sub-module: names below `name.`.
    func scope(_ name: String) -> WeightReader {
        WeightReader(source: source, prefix: prefix + name + ".")
    }

    func callAsFunction(_ name: String, shape: [Int]) throws -> Tensor {
        try source.tensor(named: prefix + name, shape: shape)
    }
}
