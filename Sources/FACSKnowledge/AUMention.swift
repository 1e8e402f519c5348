/// How a mention named its code.
public enum MentionSource: String, Codable, Sendable {
    case code
    case name
    case muscle
}

/// A FACS code found in free text.
public struct AUMention: Codable, Hashable, Sendable {
    public var au: ScoredAU
    /// The code's official name from the table.
    public let name: String
    /// The text that named it, as written.
    public let text: String
    /// Character offset of `text` in the input.
    public let offset: Int
    public let source: MentionSource
}

/// Text that names a code the table does not have ("AU99", "AU3").
public struct UnknownAUMention: Codable, Hashable, Sendable {
    public let text: String
    public let offset: Int
    public let code: Int
    public let reason: String
}

/// A muscle that belongs to several codes, so the text does not say which one is meant.
public struct AmbiguousMention: Codable, Hashable, Sendable {
    public let text: String
    public let offset: Int
    public let candidates: [Int]
    public let reason: String
}

public struct AUParseResult: Codable, Hashable, Sendable {
    /// Every mention in order of appearance.
    public let mentions: [AUMention]
    public let unknown: [UnknownAUMention]
    public let ambiguous: [AmbiguousMention]

    /// Distinct AUs in order of first appearance; a later mention's side or intensity fills in what an earlier lacked.
    public var aus: [ScoredAU] {
        var result: [ScoredAU] = []
        for mention in mentions {
            if let index = result.firstIndex(where: { $0.code == mention.au.code && ($0.side == mention.au.side || mention.au.side == nil) }) {
                if result[index].intensity == nil { result[index].intensity = mention.au.intensity }
            } else if let index = result.firstIndex(where: { $0.code == mention.au.code && $0.side == nil }) {
                result[index].side = mention.au.side
                if result[index].intensity == nil { result[index].intensity = mention.au.intensity }
            } else {
                result.append(mention.au)
            }
        }
        return result
    }
}
