/// What a file's first (best) audio stream is, as its container and codec parameters say.
public struct AudioStreamInfo: Sendable, Codable, Equatable {
    /// FFmpeg's short codec name: "aac", "mp3", "flac", "pcm_s16le", ...
    public let codecName: String
    /// Samples per second per channel.
    public let sampleRate: Int
    public let channels: Int
    /// Seconds; zero when neither the stream nor the container says.
    public let duration: Double

    public init(codecName: String, sampleRate: Int, channels: Int, duration: Double) {
        self.codecName = codecName
        self.sampleRate = sampleRate
        self.channels = channels
        self.duration = duration
    }
}
