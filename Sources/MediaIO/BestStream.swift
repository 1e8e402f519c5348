import CFFmpeg

/// A media file opened and its best stream of one kind found with a decoder for it: how every reader of frames
/// or samples starts. On success the caller owns `context` and closes it with `avformat_close_input`; on any
/// error nothing is left open.
struct BestStream {
    let context: UnsafeMutablePointer<AVFormatContext>
    let index: Int32
    let codec: UnsafePointer<AVCodec>

    /// `kind` names the media in errors ("audio", "video"); `missing` is the error kind for a file without one.
    static func open(path: String, type: AVMediaType, kind: String, missing: MediaError.Kind, fileDescription: String) throws -> BestStream {
        var opened: UnsafeMutablePointer<AVFormatContext>?
        let openStatus = avformat_open_input(&opened, path, nil, nil)
        guard openStatus >= 0, let context = opened else {
            throw MediaError.ffmpeg(.notMedia, path: path, "not a readable \(fileDescription)", code: openStatus)
        }
        var keep = false
        defer {
            if !keep {
                var doomed: UnsafeMutablePointer<AVFormatContext>? = context
                avformat_close_input(&doomed)
            }
        }
        let infoStatus = avformat_find_stream_info(context, nil)
        guard infoStatus >= 0 else {
            throw MediaError.ffmpeg(.notMedia, path: path, "could not read the stream information", code: infoStatus)
        }
        var codec: UnsafePointer<AVCodec>?
        let best = av_find_best_stream(context, type, -1, -1, &codec, 0)
        guard best >= 0, let codec else {
            if best == tbd_averror_decoder_not_found() {
                throw MediaError(missing, path: path, "has \(kind == "audio" ? "an" : "a") \(kind) stream but no decoder for its codec")
            }
            throw MediaError(missing, path: path, "contains no \(kind) stream")
        }
        keep = true
        return BestStream(context: context, index: best, codec: codec)
    }
}
