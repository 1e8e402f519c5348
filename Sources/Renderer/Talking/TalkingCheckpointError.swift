import Foundation

/// A talking checkpoint that does not fit: the folder, the part (a component or `model_index.json`) and why.
@_spi(Development) public struct TalkingCheckpointError: Error, Equatable, CustomStringConvertible {
    public let directory: URL
    public let part: String
    public let reason: String

    public var description: String { "talking checkpoint \(directory.path): \(part): \(reason)" }
}
