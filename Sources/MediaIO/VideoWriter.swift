import CFFmpeg
import Foundation
import FileAccess

/// Encodes RGB frames into a video file (MP4 unless the path's extension names another container), yuv420p,
/// with libx264 when available and MPEG-4 part 2 otherwise, optionally with an audio track from another file.
///
/// Everything is written to a hidden temporary file beside the target (`.NAME.partial-XXXXXXXX`) and renamed
/// over the target only by `finish()`, so an interrupted or cancelled write never leaves a half-written video
/// under the real name. Not thread-safe: use one writer from one thread at a time.
public final class VideoWriter {
    public let path: String
    public let width: Int
    public let height: Int
    public let fps: Int
    /// The hidden file being written until `finish()` renames it.
    public let temporaryPath: String
    /// Holds the temporary file's lock while this writer lives, so another run's clean-up never takes it for
    /// a file left by a killed process.
    private let partial: PartialFile

    private var output: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var videoStream: UnsafeMutablePointer<AVStream>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var scaler: OpaquePointer?
    private var audio: AudioTrack?
    private var codecName = ""
    private var encodedWidth = 0
    private var encodedHeight = 0
    private var framesWritten = 0
    private var state = State.open

    private enum State { case open, finished, cancelled }

    public convenience init(path: String, width: Int, height: Int, fps: Int = 25, audioPath: String? = nil) throws {
        try self.init(path: path, width: width, height: height, fps: fps, audioPath: audioPath, codec: .automatic)
    }

    public init(
        path: String, width: Int, height: Int, fps: Int = 25, audioPath: String? = nil, codec: VideoCodecChoice
    ) throws {
        let url = URL(fileURLWithPath: path)
        self.path = url.path
        self.width = width
        self.height = height
        self.fps = fps
        FFmpegLogging.configure()

        guard width > 0, height > 0 else {
            throw MediaError(.invalidArgument, path: path, "video size \(width)x\(height) must be positive")
        }
        guard (1...240).contains(fps) else {
            throw MediaError(.invalidArgument, path: path, "frame rate \(fps) must be between 1 and 240")
        }
        var isDirectory: ObjCBool = false
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MediaError(.writeFailed, path: path, "the folder \(folder) does not exist")
        }
        do { partial = try PartialFile(beside: url.path) } catch { throw MediaError(.writeFailed, path: path, "\(error)") }
        temporaryPath = partial.path
        // Any failure below throws with every property set, so deinit releases what was made and removes the file.
        try openOutput(codec: codec)
        if let audioPath, let output {
            audio = try AudioTrack(sourcePath: audioPath, output: output)
        }
        try writeHeader()
    }

    deinit {
        if state == .open { cancel() }
        releaseResources()
    }

    private func openOutput(codec choice: VideoCodecChoice) throws {
        let format = av_guess_format(nil, path, nil) ?? av_guess_format("mp4", nil, nil)
        let status = avformat_alloc_output_context2(&output, format, nil, temporaryPath)
        guard status >= 0, let output else {
            throw MediaError.ffmpeg(.writeFailed, path: path, "could not create the video container", code: status)
        }
        guard let codec = Self.findEncoder(choice) else {
            throw MediaError(.encodeFailed, path: path, "this FFmpeg has no \(choice == .h264 ? "libx264" : "MPEG-4") encoder")
        }
        codecName = String(cString: codec.pointee.name)
        encoder = avcodec_alloc_context3(codec)
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        videoStream = avformat_new_stream(output, nil)
        guard let encoder, let frame, packet != nil, let videoStream else {
            throw MediaError(.encodeFailed, path: path, "could not allocate the \(codecName) encoder")
        }
        // yuv420p halves the chroma planes, so encoders need even sizes.
        encodedWidth = width + width % 2
        encodedHeight = height + height % 2
        encoder.pointee.width = Int32(encodedWidth)
        encoder.pointee.height = Int32(encodedHeight)
        encoder.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        encoder.pointee.time_base = AVRational(num: 1, den: Int32(fps))
        encoder.pointee.framerate = AVRational(num: Int32(fps), den: 1)
        encoder.pointee.colorspace = AVCOL_SPC_SMPTE170M
        encoder.pointee.color_range = AVCOL_RANGE_MPEG
        encoder.pointee.gop_size = 12
        if output.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        if codecName == "libx264" {
            av_dict_set(&options, "preset", "medium", 0)
            av_dict_set(&options, "crf", "18", 0)
        } else {
            // Fixed quantiser 3: near-transparent for MPEG-4 part 2 at these sizes.
            encoder.pointee.flags |= AV_CODEC_FLAG_QSCALE
            encoder.pointee.global_quality = 3 * FF_QP2LAMBDA
            encoder.pointee.max_b_frames = 0
        }
        var status2 = avcodec_open2(encoder, codec, &options)
        guard status2 >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: path, "could not open the \(codecName) encoder", code: status2)
        }
        status2 = avcodec_parameters_from_context(videoStream.pointee.codecpar, encoder)
        guard status2 >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: path, "could not describe the video stream", code: status2)
        }
        videoStream.pointee.time_base = encoder.pointee.time_base
        frame.pointee.width = Int32(encodedWidth)
        frame.pointee.height = Int32(encodedHeight)
        frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        status2 = av_frame_get_buffer(frame, 0)
        guard status2 >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: path, "could not allocate the picture buffer", code: status2)
        }
        scaler = try PixelConversion.encoderScaler(
            width: encodedWidth, height: encodedHeight, format: AV_PIX_FMT_YUV420P, fullRange: false)
    }

    private static func findEncoder(_ choice: VideoCodecChoice) -> UnsafePointer<AVCodec>? {
        switch choice {
        case .h264: return avcodec_find_encoder_by_name("libx264")
        case .mpeg4: return avcodec_find_encoder(AV_CODEC_ID_MPEG4)
        case .automatic: return avcodec_find_encoder_by_name("libx264") ?? avcodec_find_encoder(AV_CODEC_ID_MPEG4)
        }
    }

    private func writeHeader() throws {
        guard let output else { return }
        var status = avio_open(&output.pointee.pb, temporaryPath, AVIO_FLAG_WRITE)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.writeFailed, path: path, "could not create the file", code: status)
        }
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        // The index at the front lets players start before the whole file has arrived.
        av_dict_set(&options, "movflags", "+faststart", 0)
        status = avformat_write_header(output, &options)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.writeFailed, path: path, "could not write the video header", code: status)
        }
    }

    /// Encodes one frame; it must be `width` x `height`.
    public func append(_ image: RGBImage) throws {
        guard state == .open else {
            throw MediaError(.invalidArgument, path: path, "the writer is already \(state == .finished ? "finished" : "cancelled")")
        }
        guard image.width == width, image.height == height else {
            throw MediaError(
                .invalidArgument, path: path,
                "frame is \(image.width)x\(image.height) but the video is \(width)x\(height)")
        }
        _ = try image.validated(for: path)
        guard let frame, let scaler else { return }
        do {
            let padded = image.paddedByRepeatingEdges(toWidth: encodedWidth, height: encodedHeight)
            try PixelConversion.fill(frame, from: padded, scaler: scaler, path: path)
            frame.pointee.pts = Int64(framesWritten)
            if codecName != "libx264" { frame.pointee.quality = encoder?.pointee.global_quality ?? 0 }
            try encode(frame)
            framesWritten += 1
            try audio?.write(upToSeconds: Double(framesWritten) / Double(fps), into: output!)
        } catch {
            cancel()
            throw error
        }
    }

    /// Flushes the encoders, completes the file and moves it to `path`, replacing any file there.
    public func finish() throws -> VideoWriterSummary {
        guard state == .open else {
            throw MediaError(.invalidArgument, path: path, "the writer is already \(state == .finished ? "finished" : "cancelled")")
        }
        guard framesWritten > 0 else {
            cancel()
            throw MediaError(.invalidArgument, path: path, "no frames were appended; nothing was written")
        }
        do {
            try encode(nil)
            try audio?.finish(upToSeconds: Double(framesWritten) / Double(fps), into: output!)
            let trailerStatus = av_write_trailer(output)
            guard trailerStatus >= 0 else {
                throw MediaError.ffmpeg(.writeFailed, path: path, "could not complete the video file", code: trailerStatus)
            }
            let closeStatus = avio_closep(&output!.pointee.pb)
            guard closeStatus >= 0 else {
                throw MediaError.ffmpeg(.writeFailed, path: path, "could not close the video file", code: closeStatus)
            }
            guard rename(temporaryPath, path) == 0 else {
                throw MediaError(.writeFailed, path: path, "could not move the finished video into place: \(String(cString: strerror(errno)))")
            }
            partial.close()
        } catch {
            cancel()
            throw error
        }
        state = .finished
        let summary = VideoWriterSummary(
            path: path, codecName: codecName, framesWritten: framesWritten, width: encodedWidth, height: encodedHeight,
            fps: fps, audioCodecName: audio?.outputCodecName, audioCopied: audio?.copied)
        releaseResources()
        return summary
    }

    /// Stops writing and removes the temporary file; the target path is left as it was. Safe to call twice.
    public func cancel() {
        guard state == .open else { return }
        state = .cancelled
        if let output, output.pointee.pb != nil { avio_closep(&output.pointee.pb) }
        releaseResources()
        unlink(temporaryPath)
        partial.close()
    }

    private func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        guard let encoder, let packet, let output, let videoStream else { return }
        var status = avcodec_send_frame(encoder, frame)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: path, "\(codecName) encoding failed", code: status)
        }
        while true {
            status = avcodec_receive_packet(encoder, packet)
            if status == FFmpegStatus.tryAgain || status == FFmpegStatus.endOfFile { return }
            guard status >= 0 else {
                throw MediaError.ffmpeg(.encodeFailed, path: path, "\(codecName) encoding failed", code: status)
            }
            // Every frame lasts one tick of 1/fps. Encoders leave this at zero, and MP4 then gives the last frame
            // no duration, so demuxers drop it.
            if packet.pointee.duration <= 0 { packet.pointee.duration = 1 }
            av_packet_rescale_ts(packet, encoder.pointee.time_base, videoStream.pointee.time_base)
            packet.pointee.stream_index = videoStream.pointee.index
            status = av_interleaved_write_frame(output, packet)
            guard status >= 0 else {
                throw MediaError.ffmpeg(.writeFailed, path: path, "could not write video data", code: status)
            }
        }
    }

    private func releaseResources() {
        audio = nil
        if let scaler { sws_freeContext(scaler) }
        scaler = nil
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&encoder)
        if let output {
            if output.pointee.pb != nil { avio_closep(&output.pointee.pb) }
            avformat_free_context(output)
        }
        output = nil
        videoStream = nil
    }
}
