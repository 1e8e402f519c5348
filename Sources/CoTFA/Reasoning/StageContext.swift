import SafeText
import AnnotationRecord
import FACSKnowledge
import Foundation

/// Everything the stages of one item share: the input, its emotion prototype from the table, and the
/// placeholder values the templates draw on.
struct StageContext: Sendable {
    let input: AnnotationInput
    let prototype: EmotionPrototype
    let expected: [ScoredAU]
    let values: [String: String]
    /// The renderer's text budget, which stage IV's prompts are written to fit.
    let budget: PromptBudget

    init(input: AnnotationInput, table: FACSTable, budget: PromptBudget) throws {
        guard let prototype = table.emotion(input.emotion) else {
            throw CoTFAInputError("unknown emotion '\(input.emotion)' (known: \(table.emotions.map(\.emotion).joined(separator: ", ")))")
        }
        self.input = input
        self.budget = budget
        self.prototype = prototype
        expected = table.expectedAUs(for: prototype, level: input.level)
        let level = table.levelMapping(input.level)
        values = [
            "emotion": prototype.emotion,
            "facs_emotion": prototype.facsEmotion,
            "level_word": input.level.word,
            "level_word_lower": input.level.word.lowercased(),
            "level_number": String(input.level.rawValue),
            "level_letter": level.intensity.rawValue,
            "token_budget": String(budget.limit),
            // About one word per 1.5 estimated tokens, leaving room for the start and end tokens.
            "word_budget": String((budget.limit - 2) * 2 / 3),
            "facs_rows": Self.facsRows(expected, prototype: prototype, table: table),
            "variants": prototype.variants.map { variant in
                let notation = variant.aus.map(\.description).joined(separator: "+")
                return "- \(notation.isEmpty ? "no active AU" : notation) (\(variant.source))\(variant.isDefault ? " [default]" : "")"
            }.joined(separator: "\n"),
            "subject": Self.subjectPhrase(input),
            "image_note": Self.imageNote(input),
        ]
    }

    /// The emotion's prototype rows from the table: code with letter, name, muscles and visible change; then the
    /// codes only other published variants use, so the model can weigh them against the same table.
    static func facsRows(_ aus: [ScoredAU], prototype: EmotionPrototype, table: FACSTable) -> String {
        guard !aus.isEmpty else { return "- none: this emotion is the absence of emotional action" }
        func row(_ label: String, _ code: FACSCode, _ note: String) -> String {
            let muscles = code.muscles.isEmpty ? "no muscle" : code.muscles.joined(separator: "; ")
            return "- \(label) \(code.name)\(note): \(muscles). \(code.appearance)"
        }
        let main = aus.compactMap { au in
            table.code(au.code).map { row("AU\(au.code)\(au.intensity?.rawValue ?? "")", $0, au.side.map { " (\($0 == .unilateral ? "one side" : $0 == .left ? "left side" : "right side") only, \(au))" } ?? "") }
        }
        let others = prototype.allCodes.subtracting(aus.map(\.code)).sorted().compactMap { number in
            table.code(number).map { row("AU\(number)", $0, " (in other variants only)") }
        }
        return (main + others).joined(separator: "\n")
    }

    /// "a woman in her thirties" from --subject, else what the MEAD actor id says, else "a person".
    static func subjectPhrase(_ input: AnnotationInput) -> String {
        if let description = input.subject.description?.trimmingCharacters(in: .whitespacesAndNewlines), !description.isEmpty {
            return TerminalText.strip(description, keepNewlines: false)
        }
        if let presentation = input.actorPresentation { return "a \(presentation)" }
        return "a person"
    }

    /// Stage I's note on the image: attached, or (text-only) described in words from the metadata.
    static func imageNote(_ input: AnnotationInput) -> String {
        var facts: [String] = []
        if let description = input.subject.description, !description.isEmpty { facts.append("described as: \(TerminalText.strip(description, keepNewlines: false))") }
        if let presentation = input.actorPresentation, let id = input.subject.actorID { facts.append("MEAD actor \(id), recorded as a \(presentation)") }
        if let view = input.subject.view { facts.append("camera view: \(view)") }
        let name = (input.subject.sourcePath as NSString).lastPathComponent
        if !name.isEmpty { facts.append("file: \(name)") }
        if let image = input.image { facts.append("\(image.width)x\(image.height) pixels") }
        let known = facts.isEmpty ? "nothing is known about the person" : facts.joined(separator: "; ")
        if input.image != nil && !input.textOnly {
            return "The portrait is attached. What is known besides the image: \(known)."
        }
        return "No image is attached (the model reads text only). What is known about the portrait: \(known). Where it does not say, answer \"not stated\"."
    }
}

/// What a reasoner made of an item, before grounding.
struct ReasoningOutcome: Sendable {
    var stages: [StageRecord]
    var actionUnits: [ActionUnitAnalysis.Entry]
    var muscles: MuscleAnalysis?
    var prompts: PromptDesign
    var reportedModel: String?
    /// Repairs and cut-off replies, reported to curators next to the grounding findings.
    var notes: [Finding]
}
