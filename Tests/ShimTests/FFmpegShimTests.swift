import CFFmpeg
import XCTest

/// Encodes a frame to PNG and decodes it back through libavcodec: a lossless round trip proves the libraries link and work.
final class FFmpegShimTests: XCTestCase {
    func testCodecsTheProjectNeedsArePresent() {
        for name in ["h264", "mpeg4", "png", "mjpeg"] {
            XCTAssertNotNil(avcodec_find_decoder_by_name(name), "decoder \(name)")
        }
        for name in ["mpeg4", "png", "mjpeg"] {
            XCTAssertNotNil(avcodec_find_encoder_by_name(name), "encoder \(name)")
        }
        XCTAssertNotNil(av_guess_format("mp4", nil, nil))
    }

    func testPNGRoundTripDecodesTheSameFrame() throws {
        let width: Int32 = 8, height: Int32 = 6
        let pixels: [UInt8] = (0..<Int(width * height * 3)).map { UInt8(($0 * 37) % 256) }

        let encoder = try XCTUnwrap(avcodec_find_encoder(AV_CODEC_ID_PNG))
        var encodeContext = avcodec_alloc_context3(encoder)
        defer { avcodec_free_context(&encodeContext) }
        encodeContext!.pointee.width = width
        encodeContext!.pointee.height = height
        encodeContext!.pointee.pix_fmt = AV_PIX_FMT_RGB24
        encodeContext!.pointee.time_base = AVRational(num: 1, den: 25)
        XCTAssertEqual(avcodec_open2(encodeContext, encoder, nil), 0)

        var frame = av_frame_alloc()
        defer { av_frame_free(&frame) }
        frame!.pointee.width = width
        frame!.pointee.height = height
        frame!.pointee.format = AV_PIX_FMT_RGB24.rawValue
        XCTAssertEqual(av_frame_get_buffer(frame, 0), 0)
        let stride = Int(frame!.pointee.linesize.0)
        for row in 0..<Int(height) {
            for column in 0..<Int(width * 3) {
                frame!.pointee.data.0![row * stride + column] = pixels[row * Int(width * 3) + column]
            }
        }
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        XCTAssertEqual(avcodec_send_frame(encodeContext, frame), 0)
        XCTAssertEqual(avcodec_receive_packet(encodeContext, packet), 0)
        XCTAssertGreaterThan(packet!.pointee.size, 0)

        let decoder = try XCTUnwrap(avcodec_find_decoder(AV_CODEC_ID_PNG))
        var decodeContext = avcodec_alloc_context3(decoder)
        defer { avcodec_free_context(&decodeContext) }
        XCTAssertEqual(avcodec_open2(decodeContext, decoder, nil), 0)
        XCTAssertEqual(avcodec_send_packet(decodeContext, packet), 0)
        var decoded = av_frame_alloc()
        defer { av_frame_free(&decoded) }
        XCTAssertEqual(avcodec_receive_frame(decodeContext, decoded), 0)
        XCTAssertEqual(decoded!.pointee.width, width)
        XCTAssertEqual(decoded!.pointee.height, height)
        XCTAssertEqual(decoded!.pointee.format, AV_PIX_FMT_RGB24.rawValue)
        let decodedStride = Int(decoded!.pointee.linesize.0)
        var roundTrip: [UInt8] = []
        for row in 0..<Int(height) {
            for column in 0..<Int(width * 3) { roundTrip.append(decoded!.pointee.data.0![row * decodedStride + column]) }
        }
        XCTAssertEqual(roundTrip, pixels)
    }
}
