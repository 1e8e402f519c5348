import CFFmpeg

/// Describes a file's best audio stream without decoding it: works on audio-only files (WAV, M4A, MP3, FLAC)
/// as well as on videos.
public enum AudioProbe {
    /// The audio stream's description; `noAudioStream` when the file has none.
    public static func probe(path: String) throws -> AudioStreamInfo {
        try AudioDecoder(path: path).source
    }

    /// The first audio stream of an already opened container, or nil without one.
    static func describe(_ context: UnsafeMutablePointer<AVFormatContext>) -> AudioStreamInfo? {
        let index = av_find_best_stream(context, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        guard index >= 0, let stream = context.pointee.streams[Int(index)] else { return nil }
        let parameters = stream.pointee.codecpar!
        return AudioStreamInfo(
            codecName: String(cString: avcodec_get_name(parameters.pointee.codec_id)),
            sampleRate: Int(parameters.pointee.sample_rate), channels: Int(parameters.pointee.ch_layout.nb_channels),
            duration: StreamDuration.seconds(of: stream, in: context))
    }
}
