import Foundation

/// What rendering one pair will take, worked out before anything is rendered (`tbd render --dry-run`): its clip,
/// the denoiser evaluations it needs, and the seconds they will take at the rate measured on this machine.
public struct RenderEstimate: Codable, Sendable, Equatable {
    public let name: String
    public let frames: Int
    public let windows: Int
    public let steps: Int
    /// Whether the clip is already rendered with these inputs (it would be skipped, costing nothing).
    public let alreadyRendered: Bool
    /// Windows times steps (each step one guided evaluation of the denoiser, batched for CFG) times the measured
    /// seconds of one step; 0 for a clip already rendered. Decoding and muxing, which cost far less, are left out.
    public let estimatedSeconds: Double
}
