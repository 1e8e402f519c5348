import Foundation

/// Where a clip went and what it took.
public struct ClipResult: Sendable, Codable, Equatable {
    public let videoPath: String
    public let firstFramePath: String
    public let contactSheetPath: String
    public let frames: Int
    public let width: Int
    public let height: Int
    public let codec: String
    public let seconds: Double
    public let secondsPerFrame: Double
}
