public enum TensorError: Error, Equatable, CustomStringConvertible {
    case unsupported(String)
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .unsupported(let what): return "unsupported \(what)"
        case .shapeMismatch(let what): return "shape mismatch: \(what)"
        }
    }
}
