import Foundation

/// An item whose curators disagreed (overlap above 1) and that waits for a reviewer: the revision they decided,
/// when the disagreement was found, and each curator's standing response, oldest first.
public struct ReviewConflict: Codable, Sendable, Equatable {
    public var revision: Int
    public var openedAt: Date
    public var responses: [CuratorResponse]
}
