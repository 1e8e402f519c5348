import AnnotationRecord
import SafeText

/// The terminal form of an annotation: stages, prompts, AUs and the grounding report. Everything that came from
/// a model passes through `TerminalText.strip`, so a reply cannot move the cursor or retitle the terminal.
public enum AnnotationText {
    public static func render(_ annotation: Annotation) -> String {
        var lines: [String] = []
        let model = annotation.modelID.map { ", model \($0)" } ?? ""
        let endpoint = annotation.endpoint.map { " at \($0)" } ?? ""
        // The model id comes from the server: as untrusted as a reply.
        lines.append(TerminalText.strip(
            "\(annotation.emotion), level \(annotation.level.rawValue) · mode \(annotation.mode.rawValue) · \(annotation.backend)\(endpoint)\(model) · templates \(annotation.templateVersion)",
            keepNewlines: false))
        if annotation.provenance?.offline == true, let note = annotation.provenance?.note { lines.append("(\(note))") }
        for stage in annotation.stages {
            lines.append("")
            lines.append("Stage \(stage.title)")
            lines += TerminalText.strip(stage.text).split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        }
        lines.append("")
        lines.append("coarse prompt: \(TerminalText.strip(annotation.coarsePrompt, keepNewlines: false))")
        lines.append("fine prompt:   \(TerminalText.strip(annotation.finePrompt, keepNewlines: false))")
        lines.append("AUs: \(annotation.aus.isEmpty ? "none" : annotation.aus.map(\.description).joined(separator: " "))")
        if annotation.findings.isEmpty {
            lines.append("grounding report: no findings")
        } else {
            lines.append("grounding report:")
            lines += annotation.findings.map { "  \($0.severity.rawValue) \($0.kind.rawValue): \(TerminalText.strip($0.message, keepNewlines: false))" }
        }
        return lines.joined(separator: "\n")
    }
}
