import Foundation

/// Where a network's weights come from: a checkpoint file, or generated values (random checkpoints).
package protocol WeightSource {
    /// The tensor `name`, which must have `shape`.
    func tensor(named name: String, shape: [Int]) throws -> Tensor
    /// How many scalars the source holds in all, when it is a file; nil for generated weights.
    var parameterCount: Int? { get }
    /// Whether a file holds `name` (for layouts with alternative names); generated weights hold none in advance.
    func contains(_ name: String) -> Bool
}

extension SafeTensorsFile: WeightSource {
    package var parameterCount: Int? {
        // From the byte ranges, which the header parser has already checked against the file's size.
        entries.values.reduce(0) { $0 + $1.byteRange.count / $1.dtype.byteSize }
    }

    package func contains(_ name: String) -> Bool { entries[name] != nil }

    package func tensor(named name: String, shape: [Int]) throws -> Tensor {
        guard let entry = entries[name] else {
            throw ModelLoadingError.missingWeight(name: name)
        }
        guard entry.shape == shape else { throw ModelLoadingError.weightShape(name: name, expected: shape, found: entry.shape) }
        let weight = try tensor(named: name)
        // One NaN weight turns every output it reaches into NaN, which a ReLU can then hide as zeros.
        guard weight.isFinite else { throw ModelLoadingError.nonFiniteWeight(name: name, file: path ?? "the weights") }
        return weight
    }

    /// After a network is built from this file: every tensor in it must have been read, or the file and the
    /// configuration do not describe the same network (a module the config leaves out, a misnamed layer).
    /// `ignoring` names the tensors a network knowingly leaves unread (a training-only buffer, a head it does not
    /// run); each network says why.
    package func requireEveryTensorRead(ignoring: (String) -> Bool = { _ in false }) throws {
        let unread = unreadNames.filter { !ignoring($0) }
        guard unread.isEmpty else {
            throw ModelLoadingError.unusedWeights(file: path ?? "the weights", names: Array(unread.prefix(5)), count: unread.count)
        }
    }
}

/// Reads a network's weights by their diffusers names, each converted once to Float32 with its shape checked.
package struct WeightReader {
    package let source: WeightSource
    package let prefix: String
    /// The precision the layers built from this reader compute in (`LinearLayer` packs its weight for it).
    package let precision: WeightPrecision

    package init(source: WeightSource, prefix: String = "", precision: WeightPrecision = .f32) {
        self.source = source
        self.prefix = prefix
        self.precision = precision
    }

    /// The reader for a sub-module: names below `name.`.
    package func scope(_ name: String) -> WeightReader {
        WeightReader(source: source, prefix: prefix + name + ".", precision: precision)
    }

    /// The tensor `prefix + name`, counted in the Float32 weights that Winograd's memory budget is a multiple of.
    package func callAsFunction(_ name: String, shape: [Int]) throws -> Tensor {
        let tensor = try source.tensor(named: prefix + name, shape: shape)
        TransformedWeightBudget.shared.addLoadedWeights(count: tensor.count)
        return tensor
    }
}
