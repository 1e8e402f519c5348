import Foundation

public enum GuidanceScheduleError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let reason): return "invalid progressive guidance schedule: \(reason)" }
    }
}
