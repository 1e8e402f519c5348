import CFFmpeg

/// A stream's length in seconds: its own duration when the container records one, else the container's, else 0.
enum StreamDuration {
    static func seconds(
        of stream: UnsafeMutablePointer<AVStream>, in context: UnsafeMutablePointer<AVFormatContext>
    ) -> Double {
        let streamDuration = stream.pointee.duration
        if streamDuration != tbd_nopts_value(), streamDuration > 0 {
            return Double(streamDuration) * av_q2d(stream.pointee.time_base)
        }
        let containerDuration = context.pointee.duration
        if containerDuration != tbd_nopts_value(), containerDuration > 0 {
            return Double(containerDuration) / Double(AV_TIME_BASE)
        }
        return 0
    }
}
