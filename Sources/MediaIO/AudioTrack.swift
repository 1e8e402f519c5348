import CFFmpeg

/// The audio stream that `VideoWriter` muxes next to its video: copied unchanged when the output container
/// accepts the source codec (AAC, MP3, ... in MP4), otherwise decoded, resampled and re-encoded to AAC.
/// Packets are written in step with the video so the file stays interleaved, and stop at the video's end.
final class AudioTrack {
    let sourcePath: String
    private(set) var copied = false
    private(set) var outputCodecName: String = ""
    private var input: UnsafeMutablePointer<AVFormatContext>?
    private var inputStreamIndex: Int32 = -1
    private var outputStream: UnsafeMutablePointer<AVStream>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var pendingPacket = false
    private var inputExhausted = false

    // Re-encoding only.
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var resampler: OpaquePointer?
    private var fifo: OpaquePointer?
    private var decodedFrame: UnsafeMutablePointer<AVFrame>?
    private var samplesEncoded: Int64 = 0

    /// AAC's sampling rates; any other source rate is resampled to 48 kHz.
    private static let aacRates: Set<Int32> = [
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
    ]

    init(sourcePath: String, output: UnsafeMutablePointer<AVFormatContext>) throws {
        self.sourcePath = sourcePath
        try MediaFile.checkReadable(sourcePath)
        let openStatus = avformat_open_input(&input, sourcePath, nil, nil)
        guard openStatus >= 0, let input else {
            throw MediaError.ffmpeg(.notMedia, path: sourcePath, "not a readable audio file", code: openStatus)
        }
        let infoStatus = avformat_find_stream_info(input, nil)
        guard infoStatus >= 0 else {
            throw MediaError.ffmpeg(.notMedia, path: sourcePath, "could not read the stream information", code: infoStatus)
        }
        inputStreamIndex = av_find_best_stream(input, AVMEDIA_TYPE_AUDIO, -1, -1, nil, 0)
        guard inputStreamIndex >= 0 else {
            throw MediaError(.noAudioStream, path: sourcePath, "contains no audio stream")
        }
        packet = av_packet_alloc()
        guard packet != nil, let stream = avformat_new_stream(output, nil) else {
            throw MediaError(.writeFailed, path: sourcePath, "could not add an audio stream")
        }
        outputStream = stream
        let source = input.pointee.streams[Int(inputStreamIndex)]!
        copied = avformat_query_codec(output.pointee.oformat, source.pointee.codecpar.pointee.codec_id, FF_COMPLIANCE_NORMAL) == 1
        if copied {
            let status = avcodec_parameters_copy(stream.pointee.codecpar, source.pointee.codecpar)
            guard status >= 0 else {
                throw MediaError.ffmpeg(.writeFailed, path: sourcePath, "could not copy the audio parameters", code: status)
            }
            stream.pointee.codecpar.pointee.codec_tag = 0
            stream.pointee.time_base = source.pointee.time_base
            outputCodecName = String(cString: avcodec_get_name(source.pointee.codecpar.pointee.codec_id))
        } else {
            try prepareReencoding(source: source, stream: stream, output: output)
        }
    }

    deinit {
        avcodec_free_context(&decoder)
        avcodec_free_context(&encoder)
        swr_free(&resampler)
        if let fifo { av_audio_fifo_free(fifo) }
        av_frame_free(&decodedFrame)
        av_packet_free(&packet)
        avformat_close_input(&input)
    }

    private func prepareReencoding(
        source: UnsafeMutablePointer<AVStream>, stream: UnsafeMutablePointer<AVStream>,
        output: UnsafeMutablePointer<AVFormatContext>
    ) throws {
        guard let decoderCodec = avcodec_find_decoder(source.pointee.codecpar.pointee.codec_id) else {
            throw MediaError(.unreadable, path: sourcePath, "no decoder for the audio codec")
        }
        guard let encoderCodec = avcodec_find_encoder(AV_CODEC_ID_AAC) else {
            throw MediaError(.encodeFailed, path: sourcePath, "this FFmpeg has no AAC encoder")
        }
        decoder = avcodec_alloc_context3(decoderCodec)
        encoder = avcodec_alloc_context3(encoderCodec)
        decodedFrame = av_frame_alloc()
        guard let decoder, let encoder, decodedFrame != nil else {
            throw MediaError(.encodeFailed, path: sourcePath, "could not allocate the audio codecs")
        }
        var status = avcodec_parameters_to_context(decoder, source.pointee.codecpar)
        if status >= 0 { status = avcodec_open2(decoder, decoderCodec, nil) }
        guard status >= 0 else {
            throw MediaError.ffmpeg(.unreadable, path: sourcePath, "could not open the audio decoder", code: status)
        }
        if decoder.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC {
            let channels = decoder.pointee.ch_layout.nb_channels
            av_channel_layout_uninit(&decoder.pointee.ch_layout)
            av_channel_layout_default(&decoder.pointee.ch_layout, max(1, channels))
        }
        let rate = Self.aacRates.contains(decoder.pointee.sample_rate) ? decoder.pointee.sample_rate : 48000
        encoder.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        encoder.pointee.sample_rate = rate
        av_channel_layout_default(&encoder.pointee.ch_layout, min(2, max(1, decoder.pointee.ch_layout.nb_channels)))
        encoder.pointee.bit_rate = 128_000
        encoder.pointee.time_base = AVRational(num: 1, den: rate)
        if output.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        status = avcodec_open2(encoder, encoderCodec, nil)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: sourcePath, "could not open the AAC encoder", code: status)
        }
        status = avcodec_parameters_from_context(stream.pointee.codecpar, encoder)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: sourcePath, "could not describe the AAC stream", code: status)
        }
        stream.pointee.time_base = encoder.pointee.time_base
        status = swr_alloc_set_opts2(
            &resampler, &encoder.pointee.ch_layout, encoder.pointee.sample_fmt, encoder.pointee.sample_rate,
            &decoder.pointee.ch_layout, decoder.pointee.sample_fmt, decoder.pointee.sample_rate, 0, nil)
        if status >= 0 { status = swr_init(resampler) }
        guard status >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: sourcePath, "could not set up audio resampling", code: status)
        }
        fifo = av_audio_fifo_alloc(encoder.pointee.sample_fmt, encoder.pointee.ch_layout.nb_channels, 1)
        guard fifo != nil else {
            throw MediaError(.encodeFailed, path: sourcePath, "could not allocate the audio buffer")
        }
        outputCodecName = String(cString: encoderCodec.pointee.name)
    }

    /// Writes the source's packets that start before `seconds` (from the source's start).
    func write(upToSeconds seconds: Double, into output: UnsafeMutablePointer<AVFormatContext>) throws {
        guard let input, let packet, let outputStream else { return }
        let source = input.pointee.streams[Int(inputStreamIndex)]!
        let start = source.pointee.start_time == tbd_nopts_value() ? 0 : source.pointee.start_time
        while !inputExhausted {
            if !pendingPacket {
                let status = av_read_frame(input, packet)
                if status < 0 {
                    inputExhausted = true
                    break
                }
                guard packet.pointee.stream_index == inputStreamIndex else {
                    av_packet_unref(packet)
                    continue
                }
                pendingPacket = true
            }
            let timestamp = packet.pointee.pts != tbd_nopts_value() ? packet.pointee.pts : packet.pointee.dts
            if timestamp != tbd_nopts_value(), Double(timestamp - start) * av_q2d(source.pointee.time_base) >= seconds {
                return
            }
            pendingPacket = false
            defer { av_packet_unref(packet) }
            if copied {
                if packet.pointee.pts != tbd_nopts_value() { packet.pointee.pts -= start }
                if packet.pointee.dts != tbd_nopts_value() { packet.pointee.dts -= start }
                av_packet_rescale_ts(packet, source.pointee.time_base, outputStream.pointee.time_base)
                packet.pointee.stream_index = outputStream.pointee.index
                packet.pointee.pos = -1
                try writeToOutput(packet, output)
            } else {
                try decodeAndEncode(packet, output: output, flushing: false)
            }
        }
    }

    /// Writes what remains up to `seconds`, then flushes the AAC encoder.
    func finish(upToSeconds seconds: Double, into output: UnsafeMutablePointer<AVFormatContext>) throws {
        try write(upToSeconds: seconds, into: output)
        if pendingPacket, let packet { av_packet_unref(packet) }
        pendingPacket = false
        guard !copied else { return }
        try decodeAndEncode(nil, output: output, flushing: true)
    }

    /// Sends one packet (or, with nil, the end of input) through decoder, resampler, buffer and encoder.
    private func decodeAndEncode(
        _ packet: UnsafeMutablePointer<AVPacket>?, output: UnsafeMutablePointer<AVFormatContext>, flushing: Bool
    ) throws {
        guard let decoder, let encoder, let decodedFrame, let fifo, let resampler else { return }
        if let packet {
            // A damaged audio packet is dropped rather than failing the whole video.
            guard avcodec_send_packet(decoder, packet) >= 0 else { return }
        } else if flushing {
            _ = avcodec_send_packet(decoder, nil)
        }
        if packet != nil || flushing {
            while avcodec_receive_frame(decoder, decodedFrame) >= 0 {
                defer { av_frame_unref(decodedFrame) }
                try resample(decodedFrame, resampler: resampler, encoder: encoder, fifo: fifo)
            }
        }
        if flushing { try resample(nil, resampler: resampler, encoder: encoder, fifo: fifo) }
        let frameSize = encoder.pointee.frame_size > 0 ? encoder.pointee.frame_size : 1024
        while av_audio_fifo_size(fifo) >= frameSize || (flushing && av_audio_fifo_size(fifo) > 0) {
            try encodeFromBuffer(count: min(frameSize, av_audio_fifo_size(fifo)), encoder: encoder, fifo: fifo, output: output)
        }
        if flushing {
            _ = avcodec_send_frame(encoder, nil)
            try drainEncoder(encoder, output: output)
        }
    }

    private func resample(
        _ frame: UnsafeMutablePointer<AVFrame>?, resampler: OpaquePointer,
        encoder: UnsafeMutablePointer<AVCodecContext>, fifo: OpaquePointer
    ) throws {
        var converted = av_frame_alloc()
        defer { av_frame_free(&converted) }
        guard let converted else { throw MediaError(.encodeFailed, path: sourcePath, "could not allocate audio") }
        converted.pointee.format = encoder.pointee.sample_fmt.rawValue
        converted.pointee.sample_rate = encoder.pointee.sample_rate
        av_channel_layout_copy(&converted.pointee.ch_layout, &encoder.pointee.ch_layout)
        let status = swr_convert_frame(resampler, converted, frame)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: sourcePath, "audio resampling failed", code: status)
        }
        guard converted.pointee.nb_samples > 0 else { return }
        let planes = UnsafeMutableRawPointer(converted.pointee.extended_data!).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        guard av_audio_fifo_write(fifo, planes, converted.pointee.nb_samples) >= converted.pointee.nb_samples else {
            throw MediaError(.encodeFailed, path: sourcePath, "could not buffer audio samples")
        }
    }

    private func encodeFromBuffer(
        count: Int32, encoder: UnsafeMutablePointer<AVCodecContext>, fifo: OpaquePointer,
        output: UnsafeMutablePointer<AVFormatContext>
    ) throws {
        var frame = av_frame_alloc()
        defer { av_frame_free(&frame) }
        guard let frame else { throw MediaError(.encodeFailed, path: sourcePath, "could not allocate audio") }
        frame.pointee.nb_samples = count
        frame.pointee.format = encoder.pointee.sample_fmt.rawValue
        frame.pointee.sample_rate = encoder.pointee.sample_rate
        av_channel_layout_copy(&frame.pointee.ch_layout, &encoder.pointee.ch_layout)
        var status = av_frame_get_buffer(frame, 0)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: sourcePath, "could not allocate audio", code: status)
        }
        let planes = UnsafeMutableRawPointer(frame.pointee.extended_data!).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
        guard av_audio_fifo_read(fifo, planes, count) == count else {
            throw MediaError(.encodeFailed, path: sourcePath, "could not read buffered audio samples")
        }
        frame.pointee.pts = samplesEncoded
        samplesEncoded += Int64(count)
        status = avcodec_send_frame(encoder, frame)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: sourcePath, "AAC encoding failed", code: status)
        }
        try drainEncoder(encoder, output: output)
    }

    private func drainEncoder(
        _ encoder: UnsafeMutablePointer<AVCodecContext>, output: UnsafeMutablePointer<AVFormatContext>
    ) throws {
        guard let outputStream else { return }
        var encoded = av_packet_alloc()
        defer { av_packet_free(&encoded) }
        guard let encoded else { throw MediaError(.encodeFailed, path: sourcePath, "could not allocate a packet") }
        while true {
            let status = avcodec_receive_packet(encoder, encoded)
            if status == FFmpegStatus.tryAgain || status == FFmpegStatus.endOfFile { return }
            guard status >= 0 else {
                throw MediaError.ffmpeg(.encodeFailed, path: sourcePath, "AAC encoding failed", code: status)
            }
            av_packet_rescale_ts(encoded, encoder.pointee.time_base, outputStream.pointee.time_base)
            encoded.pointee.stream_index = outputStream.pointee.index
            try writeToOutput(encoded, output)
        }
    }

    private func writeToOutput(
        _ packet: UnsafeMutablePointer<AVPacket>, _ output: UnsafeMutablePointer<AVFormatContext>
    ) throws {
        let status = av_interleaved_write_frame(output, packet)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.writeFailed, path: sourcePath, "could not write audio to the video file", code: status)
        }
    }
}
