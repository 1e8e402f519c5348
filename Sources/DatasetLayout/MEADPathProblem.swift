/// Why a path is not a place in the MEAD tree; the scanner reports it as the file's skip reason.
public enum MEADPathProblem: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case notUnderAnActor
    case directlyInTheActorFolder(actor: String)
    case notUnderVideoOrAudio(actor: String)
    case unexpectedDepth(under: String)
    case unknownView(String)
    case unknownEmotion(String)
    case unknownLevel(String)
    case flattenedNameWithoutActor
    case flattenedNameNotUnderstood

    public var description: String {
        switch self {
        case .empty: return "empty path"
        case .notUnderAnActor: return "not under an actor folder (M### or W###)"
        case .directlyInTheActorFolder(let actor): return "directly in the actor folder (expected \(actor)/video/ or \(actor)/audio/)"
        case .notUnderVideoOrAudio(let actor): return "not under \(actor)/video/ or \(actor)/audio/"
        case .unexpectedDepth(let folder): return "unexpected folder depth under \(folder)"
        case .unknownView(let view): return "unknown view '\(view)'"
        case .unknownEmotion(let emotion): return "unknown emotion '\(emotion)'"
        case .unknownLevel(let level): return "unknown level '\(level)'"
        case .flattenedNameWithoutActor: return "flattened name without an actor id"
        case .flattenedNameNotUnderstood: return "flattened name not understood (expected ACTOR#emotion#level_N#clip)"
        }
    }
}
