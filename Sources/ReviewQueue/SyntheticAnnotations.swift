import AnnotationRecord
import FACSKnowledge
import Foundation

/// Deterministic, realistic-looking annotations for benchmarks: MEAD-style actors, views, emotions and levels,
/// four stages and prompts of typical length, AUs from the FACS table's prototypes, and some findings.
public enum SyntheticAnnotations {
    static let emotions = ["angry", "contempt", "disgusted", "fear", "happy", "neutral", "sad", "surprised"]
    static let views = ["front", "left_30", "right_30", "top", "down"]

    public static func make(_ index: Int, table: FACSTable?) -> Annotation {
        let emotion = emotions[index % emotions.count]
        let level = EmotionLevel(rawValue: emotion == "neutral" ? 1 : 1 + (index / emotions.count) % 3)!
        let actor = String(format: "%@%03d", index % 2 == 0 ? "M" : "W", 1 + (index / 24) % 40)
        let view = views[(index / 7) % views.count]
        let aus = table.flatMap { table in
            table.emotion(emotion).map { table.expectedAUs(for: $0, level: level) }
        } ?? [ScoredAU(code: 6, intensity: .c), ScoredAU(code: 12, intensity: .c)]
        let notation = aus.map(\.description)
        let path = "data/mead/\(actor)/video/\(view)/\(emotion)/level_\(level.rawValue)/\(String(format: "%03d", 1 + index % 30)).mp4"
        let coarse = "a \(level == .intense ? "strongly " : level == .mild ? "slightly " : "")\(emotion) face"
        let fine = "A \(emotion) expression: \(notation.joined(separator: ", ")); the brows and mouth move together, eyes focused, "
            + "natural skin folds, head steady, lighting even, sequence \(index)."
        let findings: [Finding] = index % 5 == 0
            ? [Finding(severity: .warning, kind: .missingCoreAU, codes: [6], message: "\(emotion) usually shows another AU, which is missing")]
            : []
        let stages = (1...4).map { stage in
            StageRecord(
                index: stage, title: ["Observe", "Name the AUs", "Check the emotion", "Write the prompts"][stage - 1],
                text: "Stage \(stage) for item \(index): the face shows \(notation.joined(separator: " + ")) consistent with \(emotion) at level \(level.rawValue).")
        }
        return Annotation(
            subject: AnnotationSubject(sourcePath: path, kind: .clip, actorID: actor, view: view, contentHash: String(format: "%016x", index)),
            emotion: emotion, level: level, mode: .cot, backend: index % 4 == 0 ? "offline-facs-rules" : "openai-chat",
            endpoint: nil, modelID: index % 4 == 0 ? nil : "qwen2-vl-7b-instruct", templateVersion: "cot-v1", stages: stages,
            coarsePrompt: coarse, finePrompt: fine, aus: aus, findings: findings)
    }
}
