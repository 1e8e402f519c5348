import Foundation
import SafeText

/// What a batch run did, as `tbd batch` prints it (text or JSON).
public struct BatchRunReport: Encodable, Sendable {
    public let database: String
    public let summary: BatchRunner.Summary
    public let modelCalls: Int
    public let cacheHits: Int
    public let seconds: Double

    public var text: String {
        var lines = [
            "units: \(summary.units) (already done \(summary.alreadyDone), annotated now \(summary.annotated), failed \(summary.failed)"
                + (summary.previouslyFailedNotRetried > 0 ? ", \(summary.previouslyFailedNotRetried) failed before and not retried (--retry-failed)" : "") + ")",
            "clips linked: \(summary.clipsLinked); frames decoded \(summary.framesDecoded), from cache \(summary.framesFromCache)",
            "model calls: \(modelCalls), answered from the cache: \(cacheHits); \(String(format: "%.1f", seconds)) s",
        ]
        // Each error names its clip's path first.
        for error in summary.unreadableClips.sorted(by: { $0.key < $1.key }).map(\.value) {
            lines.append("unreadable clip, not linked: \(TerminalText.strip(error, keepNewlines: false))")
        }
        for (path, reason) in summary.clipsWithoutFace.sorted(by: { $0.key < $1.key }) {
            lines.append("no usable face, not linked: \(TerminalText.strip(path, keepNewlines: false)): \(reason)")
        }
        for (key, error) in summary.errors.sorted(by: { $0.key < $1.key }) {
            lines.append("failed \(key): \(TerminalText.strip(error, keepNewlines: false))")
        }
        lines.append("results are pending review in \(database) (tbd review)")
        return lines.joined(separator: "\n")
    }
}
