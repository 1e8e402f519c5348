/// Why `AnnotateJob` refused its input or could not keep its result. The wording names the command's options,
/// since the command is where a user meets it.
public enum AnnotateJobError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownEmotion(String, known: [String])
    case pixelBudgetOutOfRange(ClosedRange<Int>)
    case unreadableImage(path: String, reason: String)
    case notAPicture(path: String, reason: String)
    case unusableImage(path: String, reason: String)
    case tokenizerUnusable(reason: String)
    case unreadableStore(path: String, reason: String)
    /// `summary` names the subject, emotion, level, mode and the ids already stored; `first` is the oldest.
    case alreadyAnnotated(summary: String, first: Int64)
    case failureNotWritten(failure: String, file: String, reason: String)
    case failureNotStored(failure: String, file: String, database: String, reason: String)
    case annotationNotStored(database: String, reason: String)

    public var description: String {
        switch self {
        case .unknownEmotion(let name, let known):
            return "unknown emotion '\(name)' (known: \(known.joined(separator: ", ")))"
        case .pixelBudgetOutOfRange(let allowed):
            return "--max-pixels must be between \(allowed.lowerBound) and \(allowed.upperBound)"
        case .unreadableImage(let path, let reason):
            return "cannot read --image \(path): \(reason)"
        case .notAPicture(let path, let reason):
            return "--image \(path) is not an image or a video with a frame: \(reason)"
        case .unusableImage(let path, let reason):
            return "cannot use --image \(path): \(reason)"
        case .tokenizerUnusable(let reason):
            return "the CLIP tokenizer for the prompt budget is unusable: \(reason)"
        case .unreadableStore(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .alreadyAnnotated(let summary, let first):
            return "\(summary); `tbd review show \(first)` shows it, and --again adds another one on purpose"
        case .failureNotWritten(let failure, let file, let reason):
            return "\(failure); and the failure record could not be written to \(file): \(reason)"
        case .failureNotStored(let failure, let file, let database, let reason):
            return "\(failure); the failure record is in \(file) but could not be stored in \(database): \(reason)"
        case .annotationNotStored(let database, let reason):
            return "the annotation could not be stored in \(database): \(reason)"
        }
    }
}
