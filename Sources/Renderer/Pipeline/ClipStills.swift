import FileAccess
import Foundation
import MediaIO

/// The stills beside a finished clip: NAME.png (its first frame) and NAME-sheet.png (up to 8 frames spread over it).
enum ClipStills {
    /// Which of `count` frames the contact sheet shows.
    static func sheetFrames(of count: Int) -> [Int] {
        Array(stride(from: 0, to: count, by: max(1, count / 8)).prefix(8))
    }

    /// Writes both stills atomically after the video is complete, and returns the clip's result. If either fails,
    /// the video and whatever still was written are removed too, so no clip is left without its files.
    static func finish(video: URL, summary: VideoWriterSummary, sampled: [RGBImage], width: Int, height: Int,
                       frames: Int, start: Date) throws -> ClipResult {
        let stem = video.deletingPathExtension()
        let firstFrame = stem.appendingPathExtension("png")
        let sheet = URL(fileURLWithPath: stem.path + "-sheet.png")
        do {
            try OutputFile.write(ImageEncoding.png(sampled[0]), to: firstFrame.path)
            let picture = try ContactSheet.make(frames: sampled, columns: min(4, sampled.count), cellWidth: min(256, width))
            try OutputFile.write(ImageEncoding.png(picture), to: sheet.path)
        } catch {
            for url in [video, firstFrame, sheet] { try? FileManager.default.removeItem(at: url) }
            throw error
        }
        let seconds = Date().timeIntervalSince(start)
        return ClipResult(videoPath: video.path, firstFramePath: firstFrame.path, contactSheetPath: sheet.path,
                          frames: summary.framesWritten, width: width, height: height, codec: summary.codecName,
                          seconds: seconds, secondsPerFrame: seconds / Double(frames))
    }
}
