/// Where an annotation stands in review. The only transitions are those `ReviewAction.transition` allows.
public enum ReviewStatus: String, Codable, Sendable, CaseIterable {
    case pending, approved, rejected
}

/// What a curator did to an annotation; stored in `decision.action` and the audit log.
public enum ReviewAction: String, Codable, Sendable, CaseIterable {
    case approve, reject, edit, undo

    /// The status machine: pending -> approved | rejected; an edit of a pending or approved item gives pending,
    /// or approved when the curator approves the edit in the same step. Everything else is refused.
    public static func transition(from status: ReviewStatus, action: ReviewAction, approveEdit: Bool = false) -> ReviewStatus? {
        switch (status, action) {
        case (.pending, .approve): return .approved
        case (.pending, .reject): return .rejected
        case (.pending, .edit), (.approved, .edit): return approveEdit ? .approved : .pending
        default: return nil
        }
    }
}

/// The fixed list a rejection picks from; `other` needs a note.
public enum RejectReason: String, Codable, Sendable, CaseIterable {
    case abnormalDescription = "abnormal_description"
    case wrongEmotion = "wrong_emotion"
    case wrongIntensity = "wrong_intensity"
    case auNotVisible = "au_not_visible"
    case contradictoryAUs = "contradictory_aus"
    case malformedOutput = "malformed_output"
    case badReferenceFrame = "bad_reference_frame"
    case other

    public var label: String {
        switch self {
        case .abnormalDescription: return "abnormal description"
        case .wrongEmotion: return "wrong emotion"
        case .wrongIntensity: return "wrong intensity for the level"
        case .auNotVisible: return "AU not visible in the frame"
        case .contradictoryAUs: return "contradictory AUs"
        case .malformedOutput: return "malformed or injected output"
        case .badReferenceFrame: return "bad reference frame"
        case .other: return "other (note required)"
        }
    }

    /// Reads "code" or "code: free text"; the text part becomes the note.
    public static func parse(_ text: String) -> (reason: RejectReason, note: String?)? {
        let parts = text.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, let reason = RejectReason(rawValue: first.lowercased().replacingOccurrences(of: "-", with: "_")) else {
            return nil
        }
        let note = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
        return (reason, note)
    }
}
