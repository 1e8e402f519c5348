import CFFmpeg

/// Moves pixels between FFmpeg frames and `RGBImage` through libswscale.
enum PixelConversion {
    /// swscale's vector code reads and writes up to a few dozen bytes past a plane's last row, as FFmpeg's own
    /// frame buffers allow for; buffers handed to it from Swift carry this much spare room.
    static let bufferPadding = 64

    /// The pixels followed by `bufferPadding` zero bytes.
    static func paddedCopy(of pixels: [UInt8]) -> [UInt8] {
        var copy = [UInt8]()
        copy.reserveCapacity(pixels.count + bufferPadding)
        copy.append(contentsOf: pixels)
        copy.append(contentsOf: repeatElement(0, count: bufferPadding))
        return copy
    }

    /// Quality flags: bicubic when enlarging, area averaging when shrinking, with full chroma resolution and
    /// accurate rounding so flat colours survive the trip unchanged.
    static func scalingFlags(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int) -> Int32 {
        let shrinking = width * height < sourceWidth * sourceHeight
        let filter = shrinking ? SWS_AREA : SWS_BICUBIC
        return Int32(filter | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP)
    }

    /// Converts a decoded frame of any pixel format to RGB24 at the frame's own size.
    static func rgbImage(from frame: UnsafeMutablePointer<AVFrame>, path: String) throws -> RGBImage {
        let width = Int(frame.pointee.width)
        let height = Int(frame.pointee.height)
        guard width > 0, height > 0 else {
            throw MediaError(.unreadable, path: path, "decoded a frame with no size")
        }
        guard let scaler = sws_getContext(
            Int32(width), Int32(height), AVPixelFormat(frame.pointee.format),
            Int32(width), Int32(height), AV_PIX_FMT_RGB24,
            scalingFlags(sourceWidth: width, sourceHeight: height, width: width, height: height), nil, nil, nil)
        else {
            throw MediaError(.unreadable, path: path, "cannot convert the frame's pixel format to RGB")
        }
        defer { sws_freeContext(scaler) }
        applyColorDetails(of: frame, to: scaler)

        var pixels = [UInt8](repeating: 0, count: width * height * 3 + bufferPadding)
        let scaledRows = pixels.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var destination: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress, nil, nil, nil]
            var destinationStrides: [Int32] = [Int32(width * 3), 0, 0, 0]
            let planes = UnsafeRawPointer(tbd_frame_planes(frame)!).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
            return sws_scale(
                scaler, planes, tbd_frame_strides(frame), 0, Int32(height), &destination, &destinationStrides)
        }
        guard scaledRows == Int32(height) else {
            throw MediaError(.unreadable, path: path, "pixel conversion to RGB failed")
        }
        pixels.removeLast(bufferPadding)
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Uses the frame's YUV matrix and range (BT.709, full-range JPEG, ...) instead of swscale's BT.601 default.
    private static func applyColorDetails(of frame: UnsafeMutablePointer<AVFrame>, to scaler: OpaquePointer) {
        let colorspace = frame.pointee.colorspace
        let format = AVPixelFormat(frame.pointee.format)
        let fullRange = frame.pointee.color_range == AVCOL_RANGE_JPEG
            || [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P].contains(format)
        adjustColorDetails(of: scaler) { details in
            if colorspace != AVCOL_SPC_UNSPECIFIED, colorspace != AVCOL_SPC_RGB {
                details.inverseTable = UnsafeMutablePointer(mutating: sws_getCoefficients(Int32(colorspace.rawValue)))
            }
            if fullRange { details.sourceRange = 1 }
        }
    }

    /// A scaler's colour details, as `sws_getColorspaceDetails` reads them and `sws_setColorspaceDetails` takes them.
    private struct ColorDetails {
        var inverseTable: UnsafeMutablePointer<Int32>?
        var sourceRange: Int32 = 0
        var table: UnsafeMutablePointer<Int32>?
        var destinationRange: Int32 = 0
        var brightness: Int32 = 0
        var contrast: Int32 = 0
        var saturation: Int32 = 0
    }

    /// Reads the scaler's colour details, lets `change` adjust them and sets them back; leaves the scaler as it is
    /// when swscale cannot report them.
    private static func adjustColorDetails(of scaler: OpaquePointer, _ change: (inout ColorDetails) -> Void) {
        var details = ColorDetails()
        guard sws_getColorspaceDetails(
            scaler, &details.inverseTable, &details.sourceRange, &details.table, &details.destinationRange,
            &details.brightness, &details.contrast, &details.saturation) >= 0
        else { return }
        change(&details)
        _ = sws_setColorspaceDetails(
            scaler, details.inverseTable, details.sourceRange, details.table, details.destinationRange,
            details.brightness, details.contrast, details.saturation)
    }

    /// Scales an RGB24 picture to another size.
    static func scale(_ image: RGBImage, width: Int, height: Int) throws -> RGBImage {
        guard let scaler = sws_getContext(
            Int32(image.width), Int32(image.height), AV_PIX_FMT_RGB24,
            Int32(width), Int32(height), AV_PIX_FMT_RGB24,
            scalingFlags(sourceWidth: image.width, sourceHeight: image.height, width: width, height: height),
            nil, nil, nil)
        else {
            throw MediaError(.invalidArgument, path: "", "cannot scale \(image.width)x\(image.height) to \(width)x\(height)")
        }
        defer { sws_freeContext(scaler) }
        var output = [UInt8](repeating: 0, count: width * height * 3 + bufferPadding)
        let rows = paddedCopy(of: image.pixels).withUnsafeBufferPointer { source -> Int32 in
            output.withUnsafeMutableBufferPointer { destination in
                var sourcePlanes: [UnsafePointer<UInt8>?] = [source.baseAddress, nil, nil, nil]
                var sourceStrides: [Int32] = [Int32(image.width * 3), 0, 0, 0]
                var destinationPlanes: [UnsafeMutablePointer<UInt8>?] = [destination.baseAddress, nil, nil, nil]
                var destinationStrides: [Int32] = [Int32(width * 3), 0, 0, 0]
                return sws_scale(
                    scaler, &sourcePlanes, &sourceStrides, 0, Int32(image.height),
                    &destinationPlanes, &destinationStrides)
            }
        }
        guard rows == Int32(height) else {
            throw MediaError(.invalidArgument, path: "", "scaling to \(width)x\(height) failed")
        }
        output.removeLast(bufferPadding)
        return RGBImage(width: width, height: height, pixels: output)
    }

    /// Writes an RGB24 picture into an allocated frame of another pixel format and the same size
    /// (what the encoders consume), through a scaler made by `encoderScaler`.
    static func fill(
        _ frame: UnsafeMutablePointer<AVFrame>, from image: RGBImage, scaler: OpaquePointer, path: String
    ) throws {
        let status = av_frame_make_writable(frame)
        guard status >= 0 else {
            throw MediaError.ffmpeg(.encodeFailed, path: path, "frame buffer is not writable", code: status)
        }
        let rows = paddedCopy(of: image.pixels).withUnsafeBufferPointer { source -> Int32 in
            var sourcePlanes: [UnsafePointer<UInt8>?] = [source.baseAddress, nil, nil, nil]
            var sourceStrides: [Int32] = [Int32(image.width * 3), 0, 0, 0]
            return sws_scale(
                scaler, &sourcePlanes, &sourceStrides, 0, Int32(image.height),
                tbd_frame_planes(frame), tbd_frame_strides(frame))
        }
        guard rows == frame.pointee.height else {
            throw MediaError(.encodeFailed, path: path, "pixel conversion for the encoder failed")
        }
    }

    /// A converter from RGB24 to an encoder's pixel format at the same size, with BT.601 coefficients
    /// (what the encoders tag by default) and the requested range.
    static func encoderScaler(width: Int, height: Int, format: AVPixelFormat, fullRange: Bool) throws -> OpaquePointer {
        guard let scaler = sws_getContext(
            Int32(width), Int32(height), AV_PIX_FMT_RGB24, Int32(width), Int32(height), format,
            Int32(SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP), nil, nil, nil)
        else {
            throw MediaError(.encodeFailed, path: "", "cannot convert RGB to the encoder's pixel format")
        }
        adjustColorDetails(of: scaler) { $0.destinationRange = fullRange ? 1 : 0 }
        return scaler
    }
}
