import CFFmpeg
import Foundation

/// Still-image files made by libavcodec's own encoders.
public enum ImageEncoding {
    /// Baseline JPEG (4:2:0, full range). `quality` runs from 1 (smallest) to 100 (best), like most tools.
    public static func jpeg(_ image: RGBImage, quality: Int = 90) throws -> Data {
        guard (1...100).contains(quality) else {
            throw MediaError(.invalidArgument, path: "", "JPEG quality \(quality) must be between 1 and 100")
        }
        // MJPEG's quantiser runs from 2 (best) to 31; map the 1...100 scale onto it linearly.
        let quantiser = 31 - Double(quality - 1) * 29 / 99
        let lambda = Int32((quantiser * Double(FF_QP2LAMBDA)).rounded())
        return try encode(image, codecID: AV_CODEC_ID_MJPEG, pixelFormat: AV_PIX_FMT_YUVJ420P, fullRange: true) {
            context, frame in
            context.pointee.flags |= AV_CODEC_FLAG_QSCALE
            context.pointee.global_quality = lambda
            context.pointee.qmin = 1
            context.pointee.qmax = 31
            context.pointee.color_range = AVCOL_RANGE_JPEG
            frame.pointee.quality = lambda
        }
    }

    /// Lossless PNG, 8-bit RGB.
    public static func png(_ image: RGBImage) throws -> Data {
        try encode(image, codecID: AV_CODEC_ID_PNG, pixelFormat: AV_PIX_FMT_RGB24, fullRange: true) { _, _ in }
    }

    private static func encode(
        _ image: RGBImage, codecID: AVCodecID, pixelFormat: AVPixelFormat, fullRange: Bool,
        configure: (UnsafeMutablePointer<AVCodecContext>, UnsafeMutablePointer<AVFrame>) -> Void
    ) throws -> Data {
        _ = try image.validated()
        let codecName = String(cString: avcodec_get_name(codecID))
        guard let codec = avcodec_find_encoder(codecID) else {
            throw MediaError(.encodeFailed, path: "", "this FFmpeg has no \(codecName) encoder")
        }
        var context = avcodec_alloc_context3(codec)
        defer { avcodec_free_context(&context) }
        var frame = av_frame_alloc()
        defer { av_frame_free(&frame) }
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        guard let context, let frame, let packet else {
            throw MediaError(.encodeFailed, path: "", "could not allocate the \(codecName) encoder")
        }
        context.pointee.width = Int32(image.width)
        context.pointee.height = Int32(image.height)
        context.pointee.pix_fmt = pixelFormat
        context.pointee.time_base = AVRational(num: 1, den: 1)
        frame.pointee.width = Int32(image.width)
        frame.pointee.height = Int32(image.height)
        frame.pointee.format = pixelFormat.rawValue
        configure(context, frame)

        let openStatus = avcodec_open2(context, codec, nil)
        guard openStatus >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: "", "could not open the \(codecName) encoder", code: openStatus)
        }
        let bufferStatus = av_frame_get_buffer(frame, 0)
        guard bufferStatus >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: "", "could not allocate the picture", code: bufferStatus)
        }
        let scaler = try PixelConversion.encoderScaler(
            width: image.width, height: image.height, format: pixelFormat, fullRange: fullRange)
        defer { sws_freeContext(scaler) }
        try PixelConversion.fill(frame, from: image, scaler: scaler, path: "")
        frame.pointee.pts = 0

        var output = Data()
        for input in [Optional(frame), nil] {
            let sendStatus = avcodec_send_frame(context, input)
            guard sendStatus >= 0 else {
                throw MediaError.ffmpeg(.encodeFailed, path: "", "\(codecName) encoding failed", code: sendStatus)
            }
            while true {
                let receiveStatus = avcodec_receive_packet(context, packet)
                if receiveStatus == FFmpegStatus.tryAgain || receiveStatus == FFmpegStatus.endOfFile { break }
                guard receiveStatus >= 0 else {
                    throw MediaError.ffmpeg(.encodeFailed, path: "", "\(codecName) encoding failed", code: receiveStatus)
                }
                output.append(packet.pointee.data, count: Int(packet.pointee.size))
                av_packet_unref(packet)
            }
        }
        guard !output.isEmpty else {
            throw MediaError(.encodeFailed, path: "", "\(codecName) encoder produced no data")
        }
        return output
    }
}
