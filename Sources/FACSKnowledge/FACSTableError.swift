import Foundation

/// A table that could not be loaded or failed its checks; names the file and the problem.
public struct FACSTableError: Error, CustomStringConvertible, Sendable {
    public let origin: String
    public let problem: String
    public var description: String { "FACS table \(origin): \(problem)" }
}
