import Foundation
import MediaIO

/// `tbd media probe` on a file without pictures (WAV, M4A, MP3, FLAC): its audio stream alone.
enum AudioOnlyProbe {
    private struct View: Encodable {
        let audio: AudioStreamInfo
    }

    /// Prints the audio stream; a file with neither video nor audio keeps the video error, which names the file.
    static func report(path: String, json: Bool, videoError: MediaError) throws {
        let audio: AudioStreamInfo
        do {
            audio = try AudioProbe.probe(path: path)
        } catch let error as MediaError where error.kind == .noAudioStream {
            throw MediaError(.noVideoStream, path: path, "contains neither a video nor an audio stream")
        }
        if json {
            try printJSON(View(audio: audio))
            return
        }
        print(path)
        print("  audio:    \(summary(audio))")
    }

    /// "aac, 44100 Hz, 2 channels, 0.300 s".
    static func summary(_ audio: AudioStreamInfo) -> String {
        "\(audio.codecName), \(audio.sampleRate) Hz, \(audio.channels) channel\(audio.channels == 1 ? "" : "s"), "
            + String(format: "%.3f s", audio.duration)
    }
}
