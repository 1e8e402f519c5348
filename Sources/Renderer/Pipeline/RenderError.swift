/// Why a clip could not be rendered.
public enum RenderError: Error, Equatable, CustomStringConvertible {
    case cancelled
    case invalid(String)
    /// The network produced NaN or infinity: the weights are damaged or do not fit the configuration.
    case nonFinite(String)

    public var description: String {
        switch self {
        case .cancelled: return "rendering was cancelled"
        case .invalid(let reason): return "invalid render request: \(reason)"
        case .nonFinite(let what): return "the model produced NaN or infinite values in \(what); its weights are damaged or do not fit its configuration"
        }
    }
}
