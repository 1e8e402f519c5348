/// Why a rendering job stopped; each names the file, option or store problem.
public enum RenderJobError: Error, CustomStringConvertible, Equatable {
    case invalidSettings(String)
    case missingInput(String)
    case store(String)
    case model(String)
    /// Ctrl-C between denoising steps: the clip in progress was not written.
    case interrupted(name: String)
    case renderFailed(name: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSettings(let message), .missingInput(let message), .model(let message): message
        case .store(let message): "review store: \(message)"
        case .interrupted(let name): "interrupted: \(name) was not written; finished clips (and a talking head's finished windows) are kept and a re-run resumes"
        case .renderFailed(let name, let reason): "rendering \(name) failed: \(reason)"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
