/// Why a safetensors file was refused. Every malformed input ends here rather than in a crash.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformedHeader(String)
    case missingTensor(String)
    case unsupportedDType(name: String, dtype: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .malformedHeader(let reason): return "malformed safetensors header: \(reason)"
        case .missingTensor(let name): return "no tensor named \"\(name)\" in the safetensors file"
        case .unsupportedDType(let name, let dtype): return "tensor \"\(name)\" has dtype \(dtype), which cannot be read as Float32"
        }
    }
}
