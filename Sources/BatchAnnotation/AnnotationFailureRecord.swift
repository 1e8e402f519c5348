import AnnotationRecord

/// A failed `tbd annotate` item as written to `cotfa-failed/` (the first six fields), and as `--json` prints it
/// once the file and the store hold it (all of them).
public struct AnnotationFailureRecord: Encodable, Sendable {
    public let failed: Bool
    public let error: String
    public let image: String
    public let emotion: String
    public let level: Int
    public let stages: [StageRecord]
    /// The file in `cotfa-failed/`.
    public var record: String?
    /// The failed item's id in the store's `failed_annotation` table.
    public var failedID: Int64?
    public var database: String?
}
