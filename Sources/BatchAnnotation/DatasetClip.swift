/// Which kind of source a clip came from.
public enum DatasetKind: String, Codable, Sendable {
    case mead
    case hdtf
    case manifest
}

/// One video (or still image) to annotate, with the labels its dataset gives it.
public struct DatasetClip: Codable, Hashable, Sendable {
    public var dataset: DatasetKind
    public var path: String
    /// MEAD actor id (M003, W009), HDTF speaker (RD_Radio1), or a manifest's actor column.
    public var actor: String
    /// MEAD emotion name: angry, contempt, disgusted, fear, happy, neutral, sad, surprised.
    public var emotion: String
    public var level: Int
    public var view: String
    /// Describes the person when no image is sent (a manifest's subject column).
    public var subject: String?

    public init(dataset: DatasetKind, path: String, actor: String, emotion: String, level: Int, view: String, subject: String? = nil) {
        self.dataset = dataset
        self.path = path
        self.actor = actor
        self.emotion = emotion
        self.level = level
        self.view = view
        self.subject = subject
    }
}

/// A file the scanner passed over, and why.
public struct SkippedFile: Codable, Hashable, Sendable {
    public var path: String
    public var reason: String
}

public struct ScanResult: Codable, Sendable {
    public var clips: [DatasetClip]
    public var skipped: [SkippedFile]

    public init(clips: [DatasetClip] = [], skipped: [SkippedFile] = []) {
        self.clips = clips
        self.skipped = skipped
    }

    /// Skips grouped by reason, most frequent first: what a user reads after a scan.
    public var skippedByReason: [(reason: String, count: Int)] {
        Dictionary(grouping: skipped, by: \.reason).map { ($0.key, $0.value.count) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
    }
}
