import Foundation

public enum SamplingError: Error, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let reason): return "invalid sampling request: \(reason)"
        }
    }
}
