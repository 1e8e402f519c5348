/// Why a network could not be built from its files: the configuration, a file, or a weight that does not fit.
public enum ModelLoadingError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case missingFile(String)
    /// The weights file has no tensor of this name although the configuration needs it.
    case missingWeight(name: String)
    case weightShape(name: String, expected: [Int], found: [Int])
    /// A weight holding NaN or an infinity.
    case nonFiniteWeight(name: String, file: String)
    /// Tensors in the file that no layer read: the first few names, and how many there are.
    case unusedWeights(file: String, names: [String], count: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid model configuration: \(reason)"
        case .missingFile(let path): return "missing model file: \(path)"
        case .missingWeight(let name): return "weights lack \"\(name)\": the checkpoint does not match its config"
        case .weightShape(let name, let expected, let found): return "weight \(name) has shape \(found), expected \(expected)"
        case .nonFiniteWeight(let name, let file): return "weight \(name) in \(file) holds NaN or infinite values"
        case .unusedWeights(let file, let names, let count):
            let listed = names.joined(separator: ", ") + (count > names.count ? ", ..." : "")
            return "\(file) holds \(count) tensor\(count == 1 ? "" : "s") the network does not use (\(listed)): the checkpoint does not match its config"
        }
    }
}
