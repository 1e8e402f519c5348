/// What a media file holds, as far as its video stream and container say.
public struct MediaInfo: Sendable, Codable, Equatable {
    /// Where `frameCount` came from.
    public enum FrameCountSource: String, Sendable, Codable {
        /// The container's index lists every frame (exact for MP4 and MOV).
        case container
        /// Every video packet was read and counted (exact; asked for with `countFrames: true`).
        case counted
        /// Duration times frame rate: the container does not say.
        case estimated
        /// A still image: one frame.
        case stillImage = "still_image"
    }

    public let width: Int
    public let height: Int
    public let frameCount: Int
    public let frameCountSource: FrameCountSource
    /// Seconds; zero for still images.
    public let duration: Double
    /// Frames per second; zero for still images.
    public let fps: Double
    /// FFmpeg's short codec name: "h264", "mpeg4", "png", "mjpeg", ...
    public let codecName: String
    /// FFmpeg's container name: "mov,mp4,m4a,3gp,3g2,mj2", "png_pipe", "image2", ...
    public let formatName: String
    public let hasAudio: Bool
    /// The first audio stream's codec, when there is one.
    public let audioCodecName: String?
    /// The first audio stream: codec, rate, channels, duration.
    public let audio: AudioStreamInfo?

    public var isStillImage: Bool { frameCountSource == .stillImage }

    public init(
        width: Int, height: Int, frameCount: Int, frameCountSource: FrameCountSource, duration: Double, fps: Double,
        codecName: String, formatName: String, hasAudio: Bool, audioCodecName: String?,
        audio: AudioStreamInfo? = nil
    ) {
        self.width = width
        self.height = height
        self.frameCount = frameCount
        self.frameCountSource = frameCountSource
        self.duration = duration
        self.fps = fps
        self.codecName = codecName
        self.formatName = formatName
        self.hasAudio = hasAudio
        self.audioCodecName = audioCodecName
        self.audio = audio
    }

    private enum CodingKeys: String, CodingKey {
        case width, height, frameCount, frameCountSource, duration, fps, codecName, formatName, hasAudio, audioCodecName, audio
    }

    /// Writes every key, `audioCodecName` and `audio` as null when absent, so the JSON shape never changes.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(frameCount, forKey: .frameCount)
        try container.encode(frameCountSource, forKey: .frameCountSource)
        try container.encode(duration, forKey: .duration)
        try container.encode(fps, forKey: .fps)
        try container.encode(codecName, forKey: .codecName)
        try container.encode(formatName, forKey: .formatName)
        try container.encode(hasAudio, forKey: .hasAudio)
        try container.encode(audioCodecName, forKey: .audioCodecName)
        try container.encode(audio, forKey: .audio)
    }
}
