import Foundation

/// One approved pair waiting in the render farm's queue for one set of settings, and where it stands.
public struct RenderItem: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Nobody holds it; an item whose lease expired reads as waiting too (`isWaiting`).
        case waiting
        case leased
        case done
        case failed
    }

    public var id: Int64
    public var annotationID: Int64
    public var revision: Int
    public var settingsHash: String
    public var status: Status
    /// Who holds (or last held) the lease.
    public var worker: String?
    public var leasedAt: Date?
    public var leaseExpiresAt: Date?
    /// How many times a worker took it.
    public var attempts: Int
    /// The render that finished it (done items only).
    public var renderID: Int64?
    public var error: String?
    public var createdAt: Date
    public var finishedAt: Date?

    /// Whether a worker may take it at `time`: nobody holds it, or the holder's lease ran out.
    public func isWaiting(at time: Date) -> Bool {
        status == .waiting || (status == .leased && (leaseExpiresAt ?? .distantPast) <= time)
    }
}
