/// Codes of which at most one may be present at a time.
public struct ExclusiveGroup: Codable, Hashable, Sendable {
    public let codes: [Int]
    public let reason: String
}

/// Codes that form a scale of increasing degree (mouth opening, eyelid closure).
public struct OrderedGroup: Codable, Hashable, Sendable {
    public let codes: [Int]
    public let reason: String
}

/// Two sets of codes whose actions work against each other.
public struct OpposingActions: Codable, Hashable, Sendable {
    public let first: [Int]
    public let second: [Int]
    public let reason: String
}

/// Codes whose muscles typically act together.
public struct MuscleSynergy: Codable, Hashable, Sendable {
    public let codes: [Int]
    public let name: String
    public let muscles: [String]
    public let note: String
}

public struct FACSRelations: Codable, Hashable, Sendable {
    public let exclusive: [ExclusiveGroup]
    public let ordered: [OrderedGroup]
    public let opposing: [OpposingActions]
    public let synergies: [MuscleSynergy]
}
