import FileAccess
import Foundation
import MediaIO
import Renderer

/// Every file one clip leaves in its folder, for either kind of checkpoint: `NAME.windows/` while it renders (each
/// finished window's frames, so a stopped render resumes at the next window), then `NAME.mp4` (with the speech),
/// `NAME.png` (its first frame) and `NAME-sheet.png` (up to 8 frames spread over it). The video and stills appear
/// under their names only when complete; the window folder is removed once they are.
struct ClipFiles {
    let directory: URL
    let name: String

    var video: URL { directory.appendingPathComponent(name + ".mp4") }
    var firstFrame: URL { directory.appendingPathComponent(name + ".png") }
    var contactSheet: URL { directory.appendingPathComponent(name + "-sheet.png") }

    /// Whether a live process is rendering this clip now (it holds the clip's claim).
    var isBeingRendered: Bool { PartialFile.isHeld(beside: video.path) }

    /// Claims the clip for this process until `release` is called: a locked partial file beside the video. The
    /// kernel drops the lock however the process ends, so a killed render's claim is left for the next run to
    /// see as abandoned and remove.
    func claim() throws -> PartialFile {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw RenderError.invalid("cannot create the output folder \(FileErrorText.describe(error, path: directory.path))")
        }
        return try PartialFile(beside: video.path)
    }

    func release(_ claim: PartialFile) {
        claim.close()
        try? FileManager.default.removeItem(atPath: claim.path)
    }

    /// Renders the clip's windows not yet on disk, then writes the video and the stills. `identity` names what
    /// the clip is rendered from (kept windows of another identity are never resumed). `progress` may throw
    /// (`RenderError.cancelled`) to stop between steps; `windowFinished(done, count)` follows each window kept;
    /// `notice` hears about kept windows that are not used.
    func render(_ clip: PreparedClip, with renderer: any ClipRenderer, identity: String,
                progress: (RenderProgress) throws -> Void = { _ in },
                windowFinished: (Int, Int) throws -> Void = { _, _ in },
                notice: (String) -> Void = { _ in }) throws -> ClipResult {
        let start = Date()
        let plan = clip.plan
        let sampler = try renderer.windows(of: clip)  // every check before the first file
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw RenderError.invalid("cannot create the output folder \(FileErrorText.describe(error, path: directory.path))")
        }
        // A render killed outright (SIGKILL, a lost machine) leaves its temporary files behind; nobody else cleans them.
        PartialFile.removeAbandoned(in: directory.path)
        let finished = FinishedWindows(clipDirectory: directory, name: name)
        if let text = try finished.adopt(identity: identity) { notice(text) }
        let kept = { finished.completedCount(windows: plan.windowCount, width: clip.width, height: clip.height) {
            plan.keptFrames(ofWindow: $0).count
        } }
        // Rendered windows are checked again before muxing: a frame changed meanwhile is rendered again, never muxed.
        for _ in 0..<3 {
            let (resumeAt, problem) = kept()
            if let problem { notice("window \(problem.window + 1) is rendered again: \(problem.reason)") }
            if resumeAt == plan.windowCount { break }
            for index in resumeAt..<plan.windowCount {
                let frames = try sampler.window(index, keptFrame: finished.frame) { step, steps in
                    try progress(RenderProgress(frame: index, frameCount: plan.windowCount, step: step, stepCount: steps,
                                                elapsedSeconds: Date().timeIntervalSince(start), unit: renderer.progressUnit,
                                                firstFrame: resumeAt))
                }
                try finished.write(window: index, frames: frames)
                try windowFinished(index + 1, plan.windowCount)
            }
        }
        if let problem = kept().problem {
            throw RenderError.invalid("the finished windows keep changing on disk: \(problem.reason)")
        }
        let result = try writeVideoAndStills(plan: plan, finished: finished, width: clip.width, height: clip.height,
                                             fps: clip.request.fps, audioPath: clip.request.audioPath, start: start)
        finished.remove()
        return result
    }

    /// Which of `count` frames the contact sheet shows.
    static func sheetFrames(of count: Int) -> [Int] {
        Array(stride(from: 0, to: count, by: max(1, count / 8)).prefix(8))
    }

    private func writeVideoAndStills(plan: WindowPlan, finished: FinishedWindows, width: Int, height: Int, fps: Int,
                                     audioPath: String?, start: Date) throws -> ClipResult {
        let sheetFrames = Set(Self.sheetFrames(of: plan.frames))
        var sampled = [RGBImage]()
        let writer = try VideoWriter(path: video.path, width: width, height: height, fps: fps, audioPath: audioPath)
        let summary: VideoWriterSummary
        do {
            for index in 0..<plan.windowCount {
                for (position, frame) in plan.keptFrames(ofWindow: index).enumerated() {
                    let image = try finished.frame(window: index, position: position)
                    try writer.append(image)
                    if sheetFrames.contains(frame) { sampled.append(image) }
                }
            }
            summary = try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
        // The stills are written after the video; if either fails, the video and whatever still was written go
        // too, so no clip is left without its files.
        do {
            try OutputFile.write(ImageEncoding.png(sampled[0]), to: firstFrame.path)
            let picture = try ContactSheet.make(frames: sampled, columns: min(4, sampled.count), cellWidth: min(256, width))
            try OutputFile.write(ImageEncoding.png(picture), to: contactSheet.path)
        } catch {
            for url in [video, firstFrame, contactSheet] { try? FileManager.default.removeItem(at: url) }
            throw error
        }
        let seconds = Date().timeIntervalSince(start)
        return ClipResult(videoPath: video.path, firstFramePath: firstFrame.path, contactSheetPath: contactSheet.path,
                          frames: summary.framesWritten, width: width, height: height, codec: summary.codecName,
                          seconds: seconds, secondsPerFrame: seconds / Double(plan.frames))
    }
}
