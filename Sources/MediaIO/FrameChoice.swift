/// Which frame of a clip to take.
///
/// `.middle` is the frame on screen at half the clip's duration; `.time` the frame on screen at that many seconds
/// from the start; `.index` counts decoded frames from zero in display order. A still image has one frame, which
/// every choice except an index above zero returns.
public enum FrameChoice: Sendable, Equatable {
    case first
    case middle
    case time(seconds: Double)
    case index(Int)
}

extension FrameChoice: CustomStringConvertible {
    public var description: String {
        switch self {
        case .first: return "first"
        case .middle: return "middle"
        case .time(let seconds): return "time \(seconds)s"
        case .index(let index): return "index \(index)"
        }
    }
}
