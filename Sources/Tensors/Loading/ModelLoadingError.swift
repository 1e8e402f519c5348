/// Why a network could not be built from its files: the configuration, a file, or a weight that does not fit.
public enum ModelLoadingError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case missingFile(String)
    /// The weights file has no tensor of this name although the configuration needs it.
    case missingWeight(name: String)
    case weightShape(name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid model configuration: \(reason)"
        case .missingFile(let path): return "missing model file: \(path)"
        case .missingWeight(let name): return "weights lack \"\(name)\": the checkpoint does not match its config"
        case .weightShape(let name, let expected, let found): return "weight \(name) has shape \(found), expected \(expected)"
        }
    }
}
