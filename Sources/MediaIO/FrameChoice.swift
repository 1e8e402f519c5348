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

extension FrameChoice {
    /// The one reading of a choice typed by a person: "first", "middle", a time in seconds ("2.5") or a frame index
    /// ("index:12"); nil for anything else, a negative or non-finite number included.
    public init?(parsing text: String) {
        let lowered = text.lowercased()
        switch lowered {
        case "first": self = .first
        case "middle": self = .middle
        default:
            if lowered.hasPrefix("index:") {
                guard let index = Int(lowered.dropFirst("index:".count)), index >= 0 else { return nil }
                self = .index(index)
            } else {
                guard let seconds = Double(lowered), seconds.isFinite, seconds >= 0 else { return nil }
                self = .time(seconds: seconds)
            }
        }
    }
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
