import Foundation

/// Why audio could not be turned into features.
@_spi(Development) public enum AudioEncodingError: Error, Equatable, CustomStringConvertible {
    case tooShort(samples: Int, minimum: Int)
    case sampleRate(found: Int, expected: Int)
    case fps(Double)

    public var description: String {
        switch self {
        case .tooShort(let samples, let minimum):
            return "audio of \(samples) samples is shorter than the \(minimum) samples the encoder's first frame needs"
        case .sampleRate(let found, let expected):
            return "audio at \(found) Hz given to an encoder that expects \(expected) Hz"
        case .fps(let fps):
            return "frame rate \(fps) is outside \(AudioFrameAlignment.fpsRange.lowerBound)-\(AudioFrameAlignment.fpsRange.upperBound) fps"
        }
    }
}
