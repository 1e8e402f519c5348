import FACSKnowledge

/// Refusals and failures a caller can show to a curator as they are.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case newerSchema(path: String, unknownMigrations: [String])
    case notFound(annotationID: Int64)
    case illegalTransition(annotationID: Int64, from: ReviewStatus, action: ReviewAction)
    case claimedByOther(annotationID: Int64, curator: String, until: String)
    case notClaimHolder(annotationID: Int64, curator: String)
    /// A render worker's lease on a queue item ran out and another worker took the item (or it was finished).
    case renderLeaseLost(itemID: Int64, worker: String)
    case invalidInput(String)
    case nothingToUndo(curator: String)
    case undoConflict(annotationID: Int64, reason: String)
    /// A command that only reads was pointed at a database that does not exist.
    case noDatabase(path: String)
    /// A curator's decision on an item whose curators disagreed: only a reviewer decides it now.
    case awaitsReviewer(annotationID: Int64)
    /// An approval of a revision with error findings, without the force that says the curator saw them.
    case errorFindings(annotationID: Int64, findings: [Finding])

    public var description: String {
        switch self {
        case .newerSchema(let path, let unknown):
            return "\(path) was written by a newer tbd (unknown schema migrations: \(unknown.joined(separator: ", "))); upgrade tbd to open it"
        case .notFound(let id):
            return "no annotation #\(id)"
        case .illegalTransition(let id, let from, let action):
            return "annotation #\(id) is \(from.rawValue): \(action.rawValue) is not allowed from that state"
        case .claimedByOther(let id, let curator, let until):
            return "annotation #\(id) is claimed by \(curator) until \(until)"
        case .notClaimHolder(let id, let curator):
            return "\(curator) does not hold the claim on annotation #\(id)"
        case .renderLeaseLost(let id, let worker):
            return "\(worker) no longer holds render item #\(id): its lease ran out and another worker took it"
        case .invalidInput(let message):
            return message
        case .nothingToUndo(let curator):
            return "\(curator) has no decision left to undo"
        case .undoConflict(let id, let reason):
            return "cannot undo on annotation #\(id): \(reason)"
        case .noDatabase(let path):
            return "no review database at \(path) (check --db or $TBD_DB; commands that add annotations create it)"
        case .awaitsReviewer(let id):
            return "annotation #\(id) waits for a reviewer: its curators disagreed, and only a reviewer's decision (role reviewer) settles it"
        case .errorFindings(let id, let findings):
            let count = findings.count == 1 ? "an error finding" : "\(findings.count) error findings"
            let list = findings.map { "\($0.kind.rawValue): \($0.message)" }.joined(separator: "; ")
            return "annotation #\(id) has \(count) (\(list)); approving it anyway needs force"
        }
    }
}
