import CFFmpeg
import Foundation

/// Decodes a file's best audio stream (WAV, M4A/AAC, MP3, FLAC, a video's soundtrack, ...) and converts it with
/// libswresample to one channel of Float32 at a chosen rate, in the same single conversion step that the ffmpeg
/// tool's `-ar RATE -ac 1` inserts (rate, channel mix and sample format together), so the samples match its output.
///
/// `nextSamples()` hands the converted samples over one decoded frame at a time, so a caller can process long
/// audio in bounded memory; `decode(path:sampleRate:)` collects them all.
public final class AudioDecoder {
    /// Output rates outside this range are refused before anything is allocated.
    public static let sampleRateRange = 1_000...384_000
    /// A stream claiming more channels than this is treated as damaged.
    static let maximumChannels = 64

    public let path: String
    public let source: AudioStreamInfo
    public let sampleRate: Int
    /// Output samples delivered so far.
    public private(set) var samplesDelivered = 0

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var resampler: OpaquePointer?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private let streamIndex: Int32
    /// The audio stream's own measured duration (sample table, header) in seconds, nil when the stream gives
    /// none or the demuxer guessed it from the bit rate. Only this can reveal a truncated file: a container's
    /// overall duration also covers a video that may outlast the audio.
    private var declaredSeconds: Double?
    private var inputExhausted = false
    private var decoderDrained = false
    private var resamplerFlushed = false
    private var readError: Int32?
    /// Output samples the container's measured stream duration allows. AAC frames pad the end of the audio to
    /// 1024 samples; an MP4 records the true length, and players stop there. The ffmpeg tool (5.1) does not, so
    /// without this the same speech would be up to 64 ms longer in an M4A than in the WAV it was made from.
    private var declaredSamples: Int?
    /// Whether the last packet read was flagged corrupt: demuxers flag a packet cut off by the end of the file
    /// (a WAV whose data chunk is shorter than its header says).
    private var lastPacketCorrupt = false
    /// A WAV whose header leaves its data size open (written to a pipe): its data ends with the file.
    private let dataRunsToEndOfFile: Bool
    /// Source samples (per channel) converted so far: where the next frame starts, to name a bad sample's time.
    private var sourceSamplesSeen = 0

    public init(path: String, sampleRate: Int = 16_000) throws {
        guard Self.sampleRateRange.contains(sampleRate) else {
            throw MediaError(.invalidArgument, path: path, "output sample rate \(sampleRate) Hz is outside \(Self.sampleRateRange.lowerBound)-\(Self.sampleRateRange.upperBound) Hz")
        }
        FFmpegLogging.configure()
        try MediaFile.checkReadable(path)
        self.path = path
        self.sampleRate = sampleRate

        // Every object is owned by `self` as soon as it exists, so `deinit` frees it on any early throw.
        let opened = try BestStream.open(
            path: path, type: AVMEDIA_TYPE_AUDIO, kind: "audio", missing: .noAudioStream, fileDescription: "audio or video file")
        let context = opened.context, best = opened.index, codec = opened.codec
        var cleanup: (() -> Void)? = {
            var doomed: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&doomed)
        }
        defer { cleanup?() }
        let stream = context.pointee.streams[Int(best)]!
        let parameters = stream.pointee.codecpar!
        let channels = Int(parameters.pointee.ch_layout.nb_channels)
        let inputRate = Int(parameters.pointee.sample_rate)
        guard (1...Self.maximumChannels).contains(channels), Self.sampleRateRange.contains(inputRate) else {
            throw MediaError(.notMedia, path: path, "audio stream claims \(channels) channels at \(inputRate) Hz, which is not plausible")
        }
        source = AudioStreamInfo(
            codecName: String(cString: avcodec_get_name(parameters.pointee.codec_id)), sampleRate: inputRate,
            channels: channels, duration: StreamDuration.seconds(of: stream, in: context))
        if context.pointee.duration_estimation_method != AVFMT_DURATION_FROM_BITRATE,
           stream.pointee.duration != tbd_nopts_value(), stream.pointee.duration > 0 {
            let seconds = Double(stream.pointee.duration) * av_q2d(stream.pointee.time_base)
            // A header may claim any length: it only ever shortens the output, and is capped before use.
            if seconds.isFinite, seconds < 7 * 24 * 3600 {
                declaredSeconds = seconds
                declaredSamples = Int((seconds * Double(sampleRate)).rounded())
            }
        }
        streamIndex = best
        dataRunsToEndOfFile = context.pointee.iformat.map { String(cString: $0.pointee.name) } == "wav" && WAVHeader.dataSizeUnknown(path: path)
        format = context
        cleanup = nil

        decoder = avcodec_alloc_context3(codec)
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        guard let decoder, packet != nil, frame != nil else {
            throw MediaError(.unreadable, path: path, "could not allocate the audio decoder")
        }
        var status = avcodec_parameters_to_context(decoder, parameters)
        if status >= 0 { status = avcodec_open2(decoder, codec, nil) }
        guard status >= 0 else {
            throw MediaError.ffmpeg(.unreadable, path: path, "could not open the audio decoder", code: status)
        }
        // PCM in some containers carries a channel count without a layout; the ffmpeg tool assumes the default
        // layout for that count, and so does this, so both mix channels to mono with the same matrix.
        if decoder.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC {
            let count = decoder.pointee.ch_layout.nb_channels
            av_channel_layout_uninit(&decoder.pointee.ch_layout)
            av_channel_layout_default(&decoder.pointee.ch_layout, max(1, count))
        }
        var mono = AVChannelLayout()
        av_channel_layout_default(&mono, 1)
        status = swr_alloc_set_opts2(
            &resampler, &mono, AV_SAMPLE_FMT_FLT, Int32(sampleRate),
            &decoder.pointee.ch_layout, decoder.pointee.sample_fmt, decoder.pointee.sample_rate, 0, nil)
        if status >= 0 { status = swr_init(resampler) }
        guard status >= 0 else {
            throw MediaError.ffmpeg(.unreadable, path: path, "could not set up audio resampling", code: status)
        }
    }

    deinit {
        swr_free(&resampler)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&decoder)
        avformat_close_input(&format)
    }

    /// The converted samples of the next decoded frame (possibly none while the resampler fills its filter),
    /// or nil at the end of the stream. A stream that ends early (a read error, or fewer samples than the
    /// container's measured duration) is a `truncated` error rather than silently shorter audio.
    public func nextSamples() throws -> [Float]? {
        guard let frame, let resampler else { return nil }
        if try decodeNextFrame(into: frame) {
            defer { av_frame_unref(frame) }
            return try convert(frame, resampler: resampler)
        }
        return try finishResampling()
    }

    /// Decodes the whole stream. With more than one core, decoding runs on its own thread and hands frames to the
    /// calling thread, which resamples them: the same frames through the same two contexts in the same order, so
    /// the same samples, with the codec and the resampler working at once.
    public func readAll() throws -> [Float] {
        var samples: [Float] = []
        // The declared length only sizes the first allocation, and at most 64 MB of it: a header's number is
        // not trusted with more.
        if let declaredSamples { samples.reserveCapacity(min(declaredSamples, 1 << 24) + 4096) }
        if ProcessInfo.processInfo.activeProcessorCount > 1, let resampler {
            let queue = DecodedFrameQueue(capacity: 32)
            let producer = Thread { [self] in
                while true {
                    guard let decoded = av_frame_alloc() else {
                        queue.finish(MediaError(.unreadable, path: path, "could not allocate an audio frame"))
                        return
                    }
                    do {
                        guard try decodeNextFrame(into: decoded), queue.put(decoded) else {
                            var unused: UnsafeMutablePointer<AVFrame>? = decoded
                            av_frame_free(&unused)
                            queue.finish(nil)
                            return
                        }
                    } catch {
                        var unused: UnsafeMutablePointer<AVFrame>? = decoded
                        av_frame_free(&unused)
                        queue.finish(error)
                        return
                    }
                }
            }
            producer.start()
            // On any error here the queue is cancelled, so the producer stops at its next frame and frees it.
            defer { queue.cancel() }
            while let decoded = try queue.take() {
                var owned: UnsafeMutablePointer<AVFrame>? = decoded
                defer { av_frame_free(&owned) }
                samples.append(contentsOf: try convert(decoded, resampler: resampler))
            }
            if let tail = try finishResampling() { samples.append(contentsOf: tail) }
            return samples
        }
        while let chunk = try nextSamples() { samples.append(contentsOf: chunk) }
        return samples
    }

    /// Decodes the next frame into `frame`; false at the end of the stream.
    private func decodeNextFrame(into frame: UnsafeMutablePointer<AVFrame>) throws -> Bool {
        guard let decoder else { return false }
        while !decoderDrained {
            let status = avcodec_receive_frame(decoder, frame)
            if status >= 0 { return true }
            if status == FFmpegStatus.endOfFile || (status == FFmpegStatus.tryAgain && inputExhausted) {
                decoderDrained = true
                break
            }
            guard status == FFmpegStatus.tryAgain else {
                // Failing on the last, partial packet is what a file cut mid-packet looks like.
                if inputExhausted || lastPacketCorrupt {
                    throw MediaError.ffmpeg(.truncated, path: path, "audio decoding failed at the end of the data: truncated file", code: status)
                }
                throw MediaError.ffmpeg(.unreadable, path: path, "audio decoding failed", code: status)
            }
            try feedDecoder(decoder)
        }
        return false
    }

    /// Once the decoder is drained: what the resampler still holds, after the completeness checks; nil when
    /// that has been handed out already.
    private func finishResampling() throws -> [Float]? {
        guard let resampler, !resamplerFlushed else { return nil }
        resamplerFlushed = true
        let tail = try flush(resampler)
        try checkComplete()
        return tail
    }

    /// The whole file as mono Float32 at `sampleRate` (16 kHz by default, wav2vec 2.0's rate).
    public static func decode(path: String, sampleRate: Int = 16_000) throws -> AudioSamples {
        let decoder = try AudioDecoder(path: path, sampleRate: sampleRate)
        let samples = try decoder.readAll()
        guard !samples.isEmpty else {
            throw MediaError(.noFrames, path: path, "the audio stream holds no samples")
        }
        return AudioSamples(samples: samples, sampleRate: sampleRate, sourcePath: path, source: decoder.source)
    }

    private func feedDecoder(_ decoder: UnsafeMutablePointer<AVCodecContext>) throws {
        guard let format, let packet else { return }
        while true {
            let status = av_read_frame(format, packet)
            if status < 0 {
                if status != FFmpegStatus.endOfFile { readError = status }
                inputExhausted = true
                _ = avcodec_send_packet(decoder, nil)
                return
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            lastPacketCorrupt = packet.pointee.flags & AV_PKT_FLAG_CORRUPT != 0
            let sendStatus = avcodec_send_packet(decoder, packet)
            if sendStatus >= 0 || sendStatus == FFmpegStatus.tryAgain { return }
            // A damaged packet is skipped, as the ffmpeg tool does; the length check below still catches a
            // file that is missing much of its audio.
        }
    }

    private func convert(_ frame: UnsafeMutablePointer<AVFrame>, resampler: OpaquePointer) throws -> [Float] {
        guard frame.pointee.sample_rate == decoder!.pointee.sample_rate,
              frame.pointee.format == decoder!.pointee.sample_fmt.rawValue,
              frame.pointee.ch_layout.nb_channels == decoder!.pointee.ch_layout.nb_channels else {
            throw MediaError(.unreadable, path: path, "the audio format changes in the middle of the stream")
        }
        try checkFinite(frame)
        let capacity = Int(swr_get_out_samples(resampler, frame.pointee.nb_samples))
        guard capacity > 0 else { return [] }
        var output = [Float](repeating: 0, count: capacity)
        let produced = output.withUnsafeMutableBytes { bytes -> Int32 in
            var target: UnsafeMutablePointer<UInt8>? = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
            return frame.pointee.extended_data!.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 64) { planes in
                swr_convert(resampler, &target, Int32(capacity), planes, frame.pointee.nb_samples)
            }
        }
        guard produced >= 0 else {
            throw MediaError.ffmpeg(.unreadable, path: path, "audio resampling failed", code: produced)
        }
        output.removeLast(capacity - Int(produced))
        try checkFinite(converted: output)
        return limited(output)
    }

    /// A NaN or infinite sample in a float or double stream would pass through resampling and the encoder's
    /// normalisation into every feature of the clip; it is refused with its time instead.
    private func checkFinite(_ frame: UnsafeMutablePointer<AVFrame>) throws {
        let count = Int(frame.pointee.nb_samples), channels = Int(frame.pointee.ch_layout.nb_channels)
        let format = AVSampleFormat(frame.pointee.format)
        defer { sourceSamplesSeen += count }
        guard count > 0, channels > 0, let planes = frame.pointee.extended_data else { return }
        let planar = av_sample_fmt_is_planar(format) != 0
        let perPlane = planar ? count : count * channels
        func firstBad<Sample: BinaryFloatingPoint>(_ type: Sample.Type) -> Int? {
            for plane in 0..<(planar ? channels : 1) {
                guard let data = planes[plane] else { continue }
                let samples = UnsafeRawPointer(data).assumingMemoryBound(to: Sample.self)
                if let index = (0..<perPlane).first(where: { !samples[$0].isFinite }) { return planar ? index : index / channels }
            }
            return nil
        }
        let bad: Int?
        switch format {
        case AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_FLTP: bad = firstBad(Float.self)
        case AV_SAMPLE_FMT_DBL, AV_SAMPLE_FMT_DBLP: bad = firstBad(Double.self)
        default: return
        }
        if let bad {
            let seconds = Double(sourceSamplesSeen + bad) / Double(source.sampleRate)
            throw MediaError(
                .nonFiniteSamples, path: path,
                "the audio holds a sample that is not a finite number (NaN or infinity) at \(String(format: "%.3f", seconds)) s")
        }
    }

    /// Finite samples too large for Float32 once mixed or filtered become infinite in the conversion.
    private func checkFinite(converted samples: [Float]) throws {
        guard let bad = samples.firstIndex(where: { !$0.isFinite }) else { return }
        let seconds = Double(samplesDelivered + bad) / Double(sampleRate)
        throw MediaError(
            .nonFiniteSamples, path: path,
            "the audio's samples overflow when converted to mono Float32 at \(String(format: "%.3f", seconds)) s (values beyond Float32's range)")
    }

    /// Cuts what lies past the declared length, and counts what is delivered.
    private func limited(_ samples: [Float]) -> [Float] {
        var samples = samples
        if let declaredSamples, samplesDelivered + samples.count > declaredSamples {
            samples.removeLast(samplesDelivered + samples.count - max(declaredSamples, samplesDelivered))
        }
        samplesDelivered += samples.count
        return samples
    }

    /// What the resampler still holds in its filter once the input has ended.
    private func flush(_ resampler: OpaquePointer) throws -> [Float] {
        var tail: [Float] = []
        while true {
            var chunk = [Float](repeating: 0, count: 4096)
            let produced = chunk.withUnsafeMutableBytes { bytes -> Int32 in
                var target: UnsafeMutablePointer<UInt8>? = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
                return swr_convert(resampler, &target, 4096, nil, 0)
            }
            guard produced >= 0 else {
                throw MediaError.ffmpeg(.unreadable, path: path, "audio resampling failed", code: produced)
            }
            if produced == 0 { break }
            tail.append(contentsOf: chunk.prefix(Int(produced)))
        }
        return limited(tail)
    }

    private func checkComplete() throws {
        let decodedSeconds = Double(samplesDelivered) / Double(sampleRate)
        if let readError {
            throw MediaError.ffmpeg(
                .truncated, path: path,
                "the audio ends after \(String(format: "%.3f", decodedSeconds)) s with a read error: truncated or damaged file",
                code: readError)
        }
        // A WAV written to a pipe ends where the file ends: its last, shorter packet is the end of the data.
        if lastPacketCorrupt, !dataRunsToEndOfFile {
            throw MediaError(
                .truncated, path: path,
                "the audio's last packet is cut short after \(String(format: "%.3f", decodedSeconds)) s: truncated file")
        }
        // A tenth of a second or 5% of slack covers codec delay and container rounding; a cut file misses more.
        if let declaredSeconds, decodedSeconds < declaredSeconds - max(0.1, 0.05 * declaredSeconds) {
            throw MediaError(
                .truncated, path: path,
                "the audio ends after \(String(format: "%.3f", decodedSeconds)) s of the \(String(format: "%.3f", declaredSeconds)) s its container declares: truncated file")
        }
    }
}
