import Foundation

public enum SchedulerError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case invalidStepCount(Int, trainSteps: Int)
    case timestepOutOfRange(Int)
    case stepOutOfRange(Int, steps: Int)
    case stepOutOfOrder(Int, expected: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let what): return "invalid scheduler configuration: \(what)"
        case .invalidStepCount(let steps, let train): return "cannot sample \(steps) steps from a \(train)-step schedule (need 1...\(train))"
        case .timestepOutOfRange(let t): return "timestep \(t) is outside the trained schedule"
        case .stepOutOfRange(let index, let steps): return "step \(index) is outside the run's \(steps) steps (call setTimesteps first)"
        case .stepOutOfOrder(let index, let expected):
            return "step \(index) came after step \(expected - 1): a multistep solver's steps must run in order"
        }
    }
}
