import AnnotationRecord
import Foundation
import SafeText
import Store

/// `tbd review show` without `--json`: one annotation as readable blocks (the subject and model, the current
/// prompts and AUs, each stage with its own line breaks, every revision, every decision), made safe for a
/// terminal.
public enum AnnotationReport {
    public static func text(_ detail: AnnotationDetail) -> String {
        var lines: [String] = []
        func field(_ name: String, _ value: String) {
            let label = name.padding(toLength: 10, withPad: " ", startingAt: 0)
            lines.append(label + TerminalText.sanitize(value))
        }
        let subject = detail.subject
        var title = "#\(detail.id) \(detail.status.rawValue) · revision \(detail.current.number) of \(detail.revisions.count)"
        if let claim = detail.claim { title += " · claimed by \(claim.curator) until \(timestamp(claim.expiresAt))" }
        lines.append(TerminalText.sanitize(title))
        field("subject", "\(subject.kind.rawValue) \(subject.sourcePath)")
        field("", "actor \(subject.actorID ?? "-") · view \(subject.view ?? "-")" + (subject.description.map { " · \($0)" } ?? ""))
        field("emotion", "\(detail.emotion), level \(detail.level.rawValue) (\(detail.level.word))")
        field("model", "\(detail.backend) \(detail.modelID ?? "") · mode \(detail.mode.rawValue) · templates \(detail.templateVersion)")
        lines.append("")
        field("coarse", detail.current.coarsePrompt)
        field("fine", detail.current.finePrompt)
        field("AUs", detail.current.aus.isEmpty ? "none" : detail.current.aus.map(\.description).joined(separator: " "))
        for finding in detail.current.findings { field("finding", "\(finding.severity.rawValue) \(finding.kind.rawValue): \(finding.message)") }
        for stage in detail.stages {
            lines.append("")
            lines.append(TerminalText.sanitize("Stage \(stage.index): \(stage.title)"))
            for line in TerminalText.sanitize(stage.text, keepNewlines: true).split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append("  " + line)
            }
        }
        lines.append("")
        lines.append("Revisions")
        for revision in detail.revisions {
            lines.append(TerminalText.sanitize("  rev \(revision.number) by \(revision.author) at \(timestamp(revision.createdAt))"))
            lines.append(TerminalText.sanitize("    coarse  \(revision.coarsePrompt)"))
            lines.append(TerminalText.sanitize("    fine    \(revision.finePrompt)"))
            lines.append(TerminalText.sanitize("    AUs     \(revision.aus.map(\.description).joined(separator: " "))"))
        }
        if !detail.decisions.isEmpty {
            lines.append("")
            lines.append("Decisions")
            for decision in detail.decisions {
                var text = "  #\(decision.id) \(timestamp(decision.createdAt)) \(decision.curator) \(decision.action.rawValue)"
                if let reason = decision.reason { text += " (\(reason.rawValue))" }
                if let note = decision.note { text += ": \(note)" }
                text += " · \(decision.statusBefore.rawValue) -> \(decision.statusAfter.rawValue), rev \(decision.revisionAfter)"
                lines.append(TerminalText.sanitize(text))
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
