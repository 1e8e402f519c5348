import CFFmpeg

/// An opened media file: its container, its best video stream and a decoder for that stream.
/// Owns every FFmpeg object it creates and frees them when released.
final class MediaInput {
    let path: String
    private(set) var formatContext: UnsafeMutablePointer<AVFormatContext>?
    private(set) var decoder: UnsafeMutablePointer<AVCodecContext>?
    let streamIndex: Int32
    private let packet: UnsafeMutablePointer<AVPacket>
    private var inputExhausted = false
    private var decoderDrained = false
    /// The first read error that ended the input early, reported when no frame could be decoded at all.
    private(set) var readError: Int32?
    /// The first packet the decoder refused as damaged, reported when no frame could be decoded at all.
    private(set) var damagedPacketError: Int32?
    /// A still image is one packet: decoded with FFmpeg's strict error checks, so a cut or damaged picture is
    /// an error instead of a picture with its missing part filled in.
    let isStillImage: Bool

    /// How the decoder spreads work over cores. Frame threading decodes several frames at once, which pays off
    /// when many frames are wanted but makes the first frame wait for a pipeline of them; slice threading
    /// returns the first frame soonest.
    enum Threading { case firstFrameSoonest, throughput }

    init(path: String, threading: Threading = .throughput) throws {
        FFmpegLogging.configure()
        try MediaFile.checkReadable(path)
        self.path = path

        let opened = try BestStream.open(
            path: path, type: AVMEDIA_TYPE_VIDEO, kind: "video", missing: .noVideoStream, fileDescription: "video or image file")
        let context = opened.context, bestStream = opened.index, codec = opened.codec
        var cleanup: (() -> Void)? = {
            var doomed: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&doomed)
        }
        defer { cleanup?() }

        guard let codecContext = avcodec_alloc_context3(codec) else {
            throw MediaError(.unreadable, path: path, "could not allocate a decoder")
        }
        var decoderCleanup: (() -> Void)? = {
            var doomed: UnsafeMutablePointer<AVCodecContext>? = codecContext
            avcodec_free_context(&doomed)
        }
        defer { decoderCleanup?() }

        let stream = context.pointee.streams[Int(bestStream)]!
        if stream.pointee.codecpar.pointee.width <= 0 || stream.pointee.codecpar.pointee.height <= 0,
           let error = PictureHeader.sizeError(path: path) {
            throw error
        }
        let formatName = context.pointee.iformat.map { String(cString: $0.pointee.name) } ?? ""
        isStillImage = MediaProbe.isStillImage(formatName: formatName, stream: stream)
        let parameterStatus = avcodec_parameters_to_context(codecContext, stream.pointee.codecpar)
        guard parameterStatus >= 0 else {
            throw MediaError.ffmpeg(.unreadable, path: path, "could not configure the decoder", code: parameterStatus)
        }
        codecContext.pointee.thread_count = 0
        if isStillImage { codecContext.pointee.err_recognition |= AV_EF_EXPLODE }
        codecContext.pointee.thread_type = threading == .firstFrameSoonest ? FF_THREAD_SLICE : FF_THREAD_FRAME | FF_THREAD_SLICE
        let openCodecStatus = avcodec_open2(codecContext, codec, nil)
        guard openCodecStatus >= 0 else {
            throw MediaError.ffmpeg(.unreadable, path: path, "could not open the decoder", code: openCodecStatus)
        }
        guard let packet = av_packet_alloc() else {
            throw MediaError(.unreadable, path: path, "could not allocate a packet")
        }
        self.packet = packet
        self.formatContext = context
        self.decoder = codecContext
        self.streamIndex = bestStream
        cleanup = nil
        decoderCleanup = nil
    }

    deinit {
        var packetToFree: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&packetToFree)
        avcodec_free_context(&decoder)
        avformat_close_input(&formatContext)
    }

    var stream: UnsafeMutablePointer<AVStream> { formatContext!.pointee.streams[Int(streamIndex)]! }

    var timeBase: AVRational { stream.pointee.time_base }

    /// Frames per second from the stream's average rate, zero when unknown.
    var frameRate: Double {
        let rate = stream.pointee.avg_frame_rate
        return rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0
    }

    /// The stream's start time in its own time base (zero when the container gives none).
    var startTimestamp: Int64 {
        let start = stream.pointee.start_time
        return start == tbd_nopts_value() ? 0 : start
    }

    /// A frame's presentation time in stream time-base units.
    func timestamp(of frame: UnsafeMutablePointer<AVFrame>) -> Int64? {
        let best = frame.pointee.best_effort_timestamp
        if best != tbd_nopts_value() { return best }
        let pts = frame.pointee.pts
        return pts == tbd_nopts_value() ? nil : pts
    }

    /// Seconds from the stream's start to a timestamp.
    func seconds(of timestamp: Int64) -> Double {
        Double(timestamp - startTimestamp) * av_q2d(timeBase)
    }

    /// Moves to the key frame at or before `seconds`; returns false when the container cannot seek,
    /// in which case decoding simply continues from where it is.
    func seek(toSeconds seconds: Double) -> Bool {
        guard let formatContext, let decoder else { return false }
        let target = startTimestamp + Int64((seconds / av_q2d(timeBase)).rounded(.down))
        guard av_seek_frame(formatContext, streamIndex, target, AVSEEK_FLAG_BACKWARD) >= 0 else { return false }
        avcodec_flush_buffers(decoder)
        inputExhausted = false
        decoderDrained = false
        return true
    }

    /// Decodes the next frame in display order into `frame`; returns false at the end of the stream.
    /// Packets the decoder rejects as corrupt are skipped, as the ffmpeg tool does; a read error ends the input.
    func decodeNextFrame(into frame: UnsafeMutablePointer<AVFrame>) throws -> Bool {
        guard let formatContext, let decoder else { return false }
        while !decoderDrained {
            let receiveStatus = avcodec_receive_frame(decoder, frame)
            if receiveStatus >= 0 { return true }
            if receiveStatus == FFmpegStatus.endOfFile {
                decoderDrained = true
                return false
            }
            guard receiveStatus == FFmpegStatus.tryAgain else {
                throw MediaError.ffmpeg(.unreadable, path: path, "decoding failed", code: receiveStatus)
            }
            if inputExhausted {
                // The flush packet has been sent; EAGAIN here would repeat forever, so stop.
                decoderDrained = true
                return false
            }
            try feedDecoder(formatContext: formatContext, decoder: decoder)
        }
        return false
    }

    private func feedDecoder(
        formatContext: UnsafeMutablePointer<AVFormatContext>, decoder: UnsafeMutablePointer<AVCodecContext>
    ) throws {
        while true {
            let readStatus = av_read_frame(formatContext, packet)
            if readStatus < 0 {
                if readStatus != FFmpegStatus.endOfFile, readError == nil { readError = readStatus }
                inputExhausted = true
                _ = avcodec_send_packet(decoder, nil)
                return
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            let sendStatus = avcodec_send_packet(decoder, packet)
            if sendStatus >= 0 || sendStatus == FFmpegStatus.tryAgain { return }
            // A damaged packet: skip it and read on.
            if damagedPacketError == nil { damagedPacketError = sendStatus }
        }
    }
}
