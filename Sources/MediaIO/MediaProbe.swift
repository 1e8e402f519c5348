import CFFmpeg

/// Reads a file's size, length, frame rate and codecs without decoding pictures.
public enum MediaProbe {
    /// `countFrames` reads every packet to give an exact count when the container has no frame index.
    public static func probe(path: String, countFrames: Bool = false) throws -> MediaInfo {
        let input = try MediaInput(path: path)
        let info = describe(input)
        // Text named .png opens through the image demuxer with a 0x0 picture: reporting that as an image made a
        // non-image probe exit 0. Anything FFmpeg could decode has a size.
        guard info.width > 0, info.height > 0 else {
            throw MediaError(.notMedia, path: path, "not a readable video or image file (no picture of any size was found)")
        }
        guard countFrames, info.frameCountSource == .estimated else { return info }
        return info.replacingFrameCount(try countPackets(in: input), source: .counted)
    }

    static func describe(_ input: MediaInput) -> MediaInfo {
        let context = input.formatContext!
        let stream = input.stream
        let parameters = stream.pointee.codecpar!
        let formatName = context.pointee.iformat.map { String(cString: $0.pointee.name) } ?? "unknown"
        let codecName = String(cString: avcodec_get_name(parameters.pointee.codec_id))

        let audioIndex = av_find_best_stream(context, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        let audioCodec = audioIndex >= 0
            ? String(cString: avcodec_get_name(context.pointee.streams[Int(audioIndex)]!.pointee.codecpar.pointee.codec_id))
            : nil

        let isStill = isStillImage(formatName: formatName, stream: stream)
        let fps = isStill ? 0 : frameRate(of: stream)
        let duration = isStill ? 0 : StreamDuration.seconds(of: stream, in: context)
        let frameCount: Int
        let source: MediaInfo.FrameCountSource
        if isStill {
            (frameCount, source) = (1, .stillImage)
        } else if stream.pointee.nb_frames > 0 {
            (frameCount, source) = (Int(stream.pointee.nb_frames), .container)
        } else {
            (frameCount, source) = (max(0, Int((duration * fps).rounded())), .estimated)
        }
        return MediaInfo(
            width: Int(parameters.pointee.width), height: Int(parameters.pointee.height),
            frameCount: frameCount, frameCountSource: source, duration: duration, fps: fps,
            codecName: codecName, formatName: formatName, hasAudio: audioCodec != nil, audioCodecName: audioCodec,
            audio: AudioProbe.describe(context))
    }

    /// Still images come through the image2 demuxer (or its per-format `_pipe` variants) as a single picture,
    /// or as an attached picture such as album art.
    static func isStillImage(formatName: String, stream: UnsafeMutablePointer<AVStream>) -> Bool {
        if stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 { return true }
        return formatName == "image2" || formatName.hasSuffix("_pipe")
    }

    private static func frameRate(of stream: UnsafeMutablePointer<AVStream>) -> Double {
        for rate in [stream.pointee.avg_frame_rate, stream.pointee.r_frame_rate] where rate.num > 0 && rate.den > 0 {
            return av_q2d(rate)
        }
        return 0
    }

    private static func countPackets(in input: MediaInput) throws -> Int {
        guard let packet = av_packet_alloc() else {
            throw MediaError(.unreadable, path: input.path, "could not allocate a packet")
        }
        defer {
            var doomed: UnsafeMutablePointer<AVPacket>? = packet
            av_packet_free(&doomed)
        }
        var count = 0
        while av_read_frame(input.formatContext, packet) >= 0 {
            if packet.pointee.stream_index == input.streamIndex { count += 1 }
            av_packet_unref(packet)
        }
        return count
    }
}

extension MediaInfo {
    func replacingFrameCount(_ count: Int, source: FrameCountSource) -> MediaInfo {
        MediaInfo(
            width: width, height: height, frameCount: count, frameCountSource: source, duration: duration, fps: fps,
            codecName: codecName, formatName: formatName, hasAudio: hasAudio, audioCodecName: audioCodecName, audio: audio)
    }
}
