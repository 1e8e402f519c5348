/// Who decides. With an overlap above 1 a curator's approval or rejection is one response among several; a
/// reviewer's decision is final and settles an item whose curators disagreed.
public enum CuratorRole: String, Codable, Sendable, CaseIterable {
    case curator
    case reviewer
}
