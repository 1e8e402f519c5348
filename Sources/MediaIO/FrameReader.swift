import CFFmpeg
import Foundation

/// Decodes frames from videos and still images (PNG, JPEG and whatever else FFmpeg reads) into RGB pictures.
public enum FrameReader {
    public static func readFrame(path: String, choice: FrameChoice = .first) throws -> RGBImage {
        let input = try MediaInput(path: path, threading: choice == .first || choice == .index(0) ? .firstFrameSoonest : .throughput)
        let frame = try allocateFrame(path: path)
        defer { freeFrame(frame) }

        switch choice {
        case .first:
            try decodeFrame(at: 0, from: input, into: frame)
        case .index(let index):
            guard index >= 0 else {
                throw MediaError(.invalidArgument, path: path, "frame index \(index) is negative")
            }
            try decodeFrame(at: index, from: input, into: frame)
        case .middle:
            let info = MediaProbe.describe(input)
            if info.duration > 0 {
                try decodeFrame(atSeconds: info.duration / 2, from: input, into: frame)
            } else {
                try decodeFrame(at: info.frameCount / 2, from: input, into: frame)
            }
        case .time(let seconds):
            guard seconds.isFinite, seconds >= 0 else {
                throw MediaError(.invalidArgument, path: path, "time \(seconds) s is not a non-negative number")
            }
            let info = MediaProbe.describe(input)
            if info.duration > 0, seconds > info.duration {
                throw MediaError(
                    .frameOutOfRange, path: path,
                    "time \(seconds) s is past the end of the clip (\(formatSeconds(info.duration)) s long)")
            }
            try decodeFrame(atSeconds: seconds, from: input, into: frame)
        }
        return try PixelConversion.rgbImage(from: frame, path: path)
    }

    /// Every frame in display order. Holds them all in memory: meant for short clips.
    public static func readAllFrames(path: String) throws -> [RGBImage] {
        let input = try MediaInput(path: path)
        let frame = try allocateFrame(path: path)
        defer { freeFrame(frame) }
        var images: [RGBImage] = []
        while try input.decodeNextFrame(into: frame) {
            defer { av_frame_unref(frame) }
            images.append(try PixelConversion.rgbImage(from: frame, path: path))
        }
        guard !images.isEmpty else { throw noFramesError(input) }
        return images
    }

    /// Every STEP-th frame in display order (0, STEP, 2 STEP, ...) with its index and its time in seconds (from
    /// the frame's timestamp, else index / frame rate), handed to BODY one at a time: memory stays at one frame
    /// however long the clip. BODY returns false to stop early. Returns how many frames were decoded.
    @discardableResult
    public static func forEachFrame(path: String, every step: Int = 1,
                                    _ body: (_ index: Int, _ seconds: Double, _ image: RGBImage) throws -> Bool) throws -> Int {
        guard step > 0 else {
            throw MediaError(.invalidArgument, path: path, "the frame step (\(step)) must be positive")
        }
        let input = try MediaInput(path: path)
        let frame = try allocateFrame(path: path)
        defer { freeFrame(frame) }
        var index = 0
        while try input.decodeNextFrame(into: frame) {
            defer { av_frame_unref(frame); index += 1 }
            guard index % step == 0 else { continue }
            let seconds = input.timestamp(of: frame).map(input.seconds(of:))
                ?? (input.frameRate > 0 ? Double(index) / input.frameRate : 0)
            guard try body(index, seconds, try PixelConversion.rgbImage(from: frame, path: path)) else { return index + 1 }
        }
        guard index > 0 else { throw noFramesError(input) }
        return index
    }

    /// `count` frames spread evenly over the clip (the middle of each of `count` equal parts), in order; every
    /// frame when the clip has no more than `count`. Decodes once from the start and converts only the chosen
    /// frames, so long clips cost no more memory than the result.
    public static func sampleFrames(path: String, count: Int) throws -> [RGBImage] {
        guard count > 0 else {
            throw MediaError(.invalidArgument, path: path, "the number of frames to sample (\(count)) must be positive")
        }
        let input = try MediaInput(path: path)
        let total = max(1, MediaProbe.describe(input).frameCount)
        let wanted = Set((0..<min(count, total)).map { part in Int((Double(part) + 0.5) * Double(total) / Double(min(count, total))) })
        let frame = try allocateFrame(path: path)
        defer { freeFrame(frame) }
        var images: [RGBImage] = []
        var index = 0
        while images.count < wanted.count, try input.decodeNextFrame(into: frame) {
            defer { av_frame_unref(frame) }
            if wanted.contains(index) { images.append(try PixelConversion.rgbImage(from: frame, path: path)) }
            index += 1
        }
        guard index > 0 else { throw noFramesError(input) }
        return images
    }

    /// The frames at `indices` (decoded frames counted from zero in display order, as `FrameChoice.index` counts
    /// them), with their indices, in order. Decodes once from the start and converts only the chosen frames; an
    /// index past the clip's end is left out, so a container that overstates its frame count costs nothing.
    public static func readFrames(path: String, indices: [Int]) throws -> [(index: Int, image: RGBImage)] {
        guard let last = indices.max() else { return [] }
        guard indices.allSatisfy({ $0 >= 0 }) else {
            throw MediaError(.invalidArgument, path: path, "frame indices \(indices) must not be negative")
        }
        let wanted = Set(indices)
        let input = try MediaInput(path: path)
        let frame = try allocateFrame(path: path)
        defer { freeFrame(frame) }
        var images: [(index: Int, image: RGBImage)] = []
        var index = 0
        while index <= last, try input.decodeNextFrame(into: frame) {
            defer { av_frame_unref(frame) }
            if wanted.contains(index) { images.append((index, try PixelConversion.rgbImage(from: frame, path: path))) }
            index += 1
        }
        guard index > 0 else { throw noFramesError(input) }
        return images
    }

    /// Decodes frames from the start until the `index`-th (zero-based) is in `frame`.
    private static func decodeFrame(
        at index: Int, from input: MediaInput, into frame: UnsafeMutablePointer<AVFrame>
    ) throws {
        var decoded = 0
        while try input.decodeNextFrame(into: frame) {
            if decoded == index { return }
            decoded += 1
            av_frame_unref(frame)
        }
        guard decoded > 0 else { throw noFramesError(input) }
        throw MediaError(
            .frameOutOfRange, path: input.path,
            "frame index \(index) is out of range: the file has \(decoded) frame\(decoded == 1 ? "" : "s")")
    }

    /// Seeks to the key frame before `seconds`, then decodes on to the frame on screen at that time:
    /// the last one whose timestamp is not after it (or the first decoded, when the time precedes every frame).
    private static func decodeFrame(
        atSeconds seconds: Double, from input: MediaInput, into frame: UnsafeMutablePointer<AVFrame>
    ) throws {
        if seconds > 0 { _ = input.seek(toSeconds: seconds) }
        // Half a tick of tolerance so a time written as a decimal lands on the frame that starts there.
        let halfTick = 0.5 * av_q2d(input.timeBase)
        let candidate = try allocateFrame(path: input.path)
        defer { freeFrame(candidate) }
        var haveCandidate = false
        var candidateSeconds = 0.0
        var reachedEnd = true
        while try input.decodeNextFrame(into: frame) {
            let frameSeconds = input.timestamp(of: frame).map(input.seconds(of:)) ?? 0
            if frameSeconds > seconds + halfTick {
                if !haveCandidate { return }
                reachedEnd = false
                break
            }
            av_frame_unref(candidate)
            av_frame_move_ref(candidate, frame)
            haveCandidate = true
            candidateSeconds = frameSeconds
        }
        guard haveCandidate else { throw noFramesError(input) }
        // A file cut short ends before the time asked for; its last intact frame is not the frame shown then.
        let frameInterval = input.frameRate > 0 ? 1 / input.frameRate : 0
        if reachedEnd, let readError = input.readError, seconds > candidateSeconds + frameInterval + halfTick {
            throw MediaError.ffmpeg(
                .noFrames, path: input.path,
                "the file is cut short: no frame at \(formatSeconds(seconds)) s, the last intact one is at "
                    + "\(formatSeconds(candidateSeconds)) s", code: readError)
        }
        av_frame_unref(frame)
        av_frame_move_ref(frame, candidate)
    }

    private static func noFramesError(_ input: MediaInput) -> MediaError {
        if input.isStillImage, let damaged = input.damagedPacketError {
            return MediaError.ffmpeg(.noFrames, path: input.path, "the picture's data is damaged or cut short", code: damaged)
        }
        if let readError = input.readError {
            return MediaError.ffmpeg(
                .noFrames, path: input.path, "no frame could be decoded; the file looks truncated or corrupt",
                code: readError)
        }
        return MediaError(.noFrames, path: input.path, "no frame could be decoded; the file looks truncated or corrupt")
    }

    static func allocateFrame(path: String) throws -> UnsafeMutablePointer<AVFrame> {
        guard let frame = av_frame_alloc() else {
            throw MediaError(.unreadable, path: path, "could not allocate a frame")
        }
        return frame
    }

    static func freeFrame(_ frame: UnsafeMutablePointer<AVFrame>) {
        var doomed: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&doomed)
    }

    static func formatSeconds(_ seconds: Double) -> String {
        String(format: "%.3f", seconds)
    }
}
