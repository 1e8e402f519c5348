import CFFmpeg

/// Why a media operation failed, naming the file and the problem in plain words.
///
/// `kind` lets callers such as the batch annotator tell a missing file from a corrupt one without parsing text.
public struct MediaError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case fileNotFound
        case emptyFile
        case unreadable
        case notMedia
        case noVideoStream
        case noAudioStream
        case noFrames
        case truncated
        /// An audio sample that is NaN or infinite.
        case nonFiniteSamples
        /// A picture larger than the decoder accepts.
        case tooLarge
        case frameOutOfRange
        case invalidArgument
        case encodeFailed
        case writeFailed
    }

    public let kind: Kind
    /// The file the operation was about; empty for in-memory images.
    public let path: String
    public let reason: String

    public init(_ kind: Kind, path: String, _ reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    public var description: String {
        path.isEmpty ? reason : "\(path): \(reason)"
    }

    /// Builds an error from an FFmpeg status code, keeping FFmpeg's own message after ours.
    static func ffmpeg(_ kind: Kind, path: String, _ what: String, code: Int32) -> MediaError {
        MediaError(kind, path: path, "\(what) (\(FFmpegStatus.message(for: code)))")
    }
}

/// Translates FFmpeg's negative status codes into text.
enum FFmpegStatus {
    static let endOfFile = tbd_averror_eof()
    static let tryAgain = tbd_averror_eagain()

    static func message(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        tbd_av_error_string(code, &buffer, buffer.count)
        return String(cString: buffer)
    }
}
