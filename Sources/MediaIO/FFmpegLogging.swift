import CFFmpeg
import Foundation

/// FFmpeg writes its own warnings to stderr; every failure already reaches the caller as a `MediaError`, so the
/// library is silent unless `TBD_FFMPEG_LOG` (quiet, error, warning, info, verbose, debug) asks otherwise.
enum FFmpegLogging {
    private static let configured: Void = {
        let levels: [String: Int32] = [
            "quiet": AV_LOG_QUIET, "error": AV_LOG_ERROR, "warning": AV_LOG_WARNING,
            "info": AV_LOG_INFO, "verbose": AV_LOG_VERBOSE, "debug": AV_LOG_DEBUG,
        ]
        let requested = ProcessInfo.processInfo.environment["TBD_FFMPEG_LOG"]?.lowercased() ?? "quiet"
        av_log_set_level(levels[requested] ?? AV_LOG_QUIET)
    }()

    static func configure() { _ = configured }
}
