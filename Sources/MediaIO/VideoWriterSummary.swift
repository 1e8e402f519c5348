/// What `VideoWriter.finish()` produced.
public struct VideoWriterSummary: Sendable, Codable, Equatable {
    public let path: String
    /// The encoder used: "libx264", or "mpeg4" when libx264 is missing or MPEG-4 was asked for.
    public let codecName: String
    public let framesWritten: Int
    /// The encoded size; odd sizes are padded to even ones by repeating the last column or row.
    public let width: Int
    public let height: Int
    public let fps: Int
    /// The audio stream's codec, nil without audio.
    public let audioCodecName: String?
    /// True when the audio was copied unchanged, false when it was re-encoded to AAC.
    public let audioCopied: Bool?
}

/// Which video encoder `VideoWriter` uses.
public enum VideoCodecChoice: String, Sendable, Codable, CaseIterable {
    /// libx264 when this FFmpeg has it, else MPEG-4 part 2.
    case automatic
    case h264
    case mpeg4
}
