import Foundation
import Renderer

/// A one-line progress bar on stderr (redrawn in place on a terminal, one line per finished frame or window otherwise).
final class ProgressLine {
    private let label: String
    private let quiet: Bool
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastFrame = -1

    init(label: String, quiet: Bool) {
        self.label = label
        self.quiet = quiet
    }

    func show(_ progress: RenderProgress) {
        guard !quiet else { return }
        let frameDone = progress.step == progress.stepCount
        guard isTerminal || (frameDone && progress.frame != lastFrame) else { return }
        lastFrame = frameDone ? progress.frame : lastFrame
        let width = 24
        let filled = Int(progress.fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let eta = progress.remainingSeconds.map { Self.duration($0) } ?? "?"
        let resumed = progress.firstFrame > 0 ? " (resumed at \(progress.unit.rawValue) \(progress.firstFrame + 1)/\(progress.frameCount))" : ""
        let line = "\(label)\(resumed) [\(bar)] \(progress.unit.rawValue) \(progress.frame + 1)/\(progress.frameCount) step \(progress.step)/\(progress.stepCount) ETA \(eta)"
        FileHandle.standardError.write(Data((isTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    func finish() {
        if isTerminal && !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 60 ? "\(total / 60)m\(String(format: "%02d", total % 60))s" : "\(total)s"
    }
}
