import AnnotationRecord
import FACSKnowledge
import Foundation

/// The embedded default: a deterministic reasoner that fills the same four stages from the FACS table and the
/// metadata at hand (the subject description, the MEAD actor id). It sees no image and asks no model, and its
/// records say so; the same input always gives the same output.
struct OfflineFACSReasoner: Sendable {
    static let backendName = "offline-facs-rules"
    static let provenanceNote = "deterministic FACS-rules reasoner built into tbd: prompts come from the FACS table and the given metadata; no model was asked and no image was seen"

    let table: FACSTable
    let templates: StageTemplates

    func chain(_ context: StageContext) throws -> ReasoningOutcome {
        let started = Date()
        let facial = facialInformation(context)
        let analysis = actionUnits(context)
        let muscles = muscleAnalysis(context)
        let prompts = try promptDesign(context)
        let answers: [(StageKind, any StageAnswer)] = [
            (.facialInformation, facial), (.actionUnits, analysis), (.muscles, muscles), (.promptDesign, prompts),
        ]
        let stages = answers.map { stage, answer in
            StageRecord(
                index: stage.rawValue, title: stage.title, text: answer.readableText, request: nil,
                rawReply: answer.canonicalJSON, parsed: answer.canonicalJSON, startedAt: started)
        }
        return ReasoningOutcome(
            stages: stages, actionUnits: analysis.actionUnits, muscles: muscles, prompts: prompts, reportedModel: nil, notes: [])
    }

    func describe(_ context: StageContext) throws -> ReasoningOutcome {
        let facial = facialInformation(context)
        let prompts = try promptDesign(context)
        let names = GroundedPhrases(table: table).actionNames(context.expected)
        let answer = DirectDescription(
            description: "\(context.values["subject"]!) (\(facial.genderPresentation), age \(facial.ageRange)) showing \(context.input.level.word.lowercased()) \(context.prototype.facsEmotion)\(names.isEmpty ? " with a face at rest" : ": \(names)")",
            actionUnits: context.expected.map { "AU\($0)" }, coarsePrompt: prompts.coarsePrompt, finePrompt: prompts.finePrompt)
        let record = StageRecord(
            index: 1, title: "direct description", text: answer.readableText, rawReply: answer.canonicalJSON, parsed: answer.canonicalJSON)
        return ReasoningOutcome(
            stages: [record], actionUnits: actionUnits(context).actionUnits, muscles: nil, prompts: prompts, reportedModel: nil, notes: [])
    }

    // MARK: The stages

    func facialInformation(_ context: StageContext) -> FacialInformation {
        let reader = SubjectDescriptionReader(text: context.input.subject.description ?? "")
        return FacialInformation(
            ageRange: reader.ageRange(),
            genderPresentation: reader.genderPresentation(actorPresentation: context.input.actorPresentation),
            perceivedEthnicity: "not assessed (the offline reasoner sees no image)",
            hair: reader.hair(),
            notableFeatures: reader.notableFeatures())
    }

    func actionUnits(_ context: StageContext) -> ActionUnitAnalysis {
        let variant = context.prototype.defaultVariant
        let level = context.input.level
        return ActionUnitAnalysis(actionUnits: context.expected.compactMap { au in
            guard let code = table.code(au.code) else { return nil }
            let reason = "\(code.name) belongs to the default \(context.prototype.facsEmotion) prototype \(variant.aus.map(\.description).joined(separator: "+")) (\(variant.source)); \(level.word) gives \(au.intensity?.rawValue ?? "-") under the table's level rule"
            return ActionUnitAnalysis.Entry(code: au.side.map { "\($0.rawValue)\(au.code)" } ?? "AU\(au.code)", intensity: au.intensity?.rawValue ?? "C", reason: reason)
        })
    }

    func muscleAnalysis(_ context: StageContext) -> MuscleAnalysis {
        let entries = context.expected.compactMap { au -> MuscleAnalysis.Entry? in
            guard let code = table.code(au.code) else { return nil }
            return MuscleAnalysis.Entry(au: "AU\(au.code)", muscles: code.muscles, movement: code.appearance)
        }
        let present = Set(context.expected.map(\.code))
        let synergies = table.relations.synergies.filter { Set($0.codes).isSubset(of: present) && $0.codes.count > 1 }
        let coordination = synergies.isEmpty
            ? (entries.count > 1 ? "the table records no synergy among these action units; each acts on its own region" : "a single action, or none")
            : synergies.map { "\($0.name) (\($0.codes.map { "AU\($0)" }.joined(separator: "+"))): \($0.note)" }.joined(separator: "; ")
        let variation = (try? templates.render("offline-variation.txt", context.values)) ?? ""
        return MuscleAnalysis(muscles: entries, coordination: coordination, individualVariation: variation)
    }

    /// The fine prompt is written to fit the text encoder's budget by design: every AU is named, with its main
    /// muscle while that fits, and then as many of the visible changes as still fit. An AU is never the thing left
    /// out: when even the short forms overflow, the codes alone remain.
    func promptDesign(_ context: StageContext) throws -> PromptDesign {
        var values = context.values
        let coarse = try templates.render("offline-coarse.txt", values)
        let codes = context.expected.compactMap { au in table.code(au.code).map { (au, $0) } }
        guard !codes.isEmpty else {
            return PromptDesign(coarsePrompt: coarse, finePrompt: try templates.render("offline-fine-rest.txt", values))
        }
        func notation(_ au: ScoredAU) -> String { "AU\(au.code)\(au.intensity?.rawValue ?? "")" }
        let withMuscles = codes.map { au, code in
            let muscle = code.muscles.first.map { " (\(Self.baseMuscle($0)))" } ?? ""
            return "\(notation(au)) \(Self.sideWord(au.side))\(code.name.lowercased())\(muscle)"
        }
        let withNames = codes.map { au, code in "\(notation(au)) \(Self.sideWord(au.side))\(code.name.lowercased())" }
        let codesOnly = codes.map { au, _ in "\(Self.sideWord(au.side))\(notation(au))" }
        let movements = codes.map { _, code in Self.firstClause(code.appearance) }
        var fallback = ""
        for actionUnits in [withMuscles, withNames, codesOnly] {
            values["action_units"] = actionUnits.joined(separator: ", ")
            for count in stride(from: movements.count, through: 0, by: -1) {
                values["movements"] = movements.prefix(count).joined(separator: ", ")
                var text = try templates.render("offline-fine.txt", values).trimmingCharacters(in: .whitespacesAndNewlines)
                if count == 0, text.hasSuffix(",") { text.removeLast() }
                if context.budget.fits(text) { return PromptDesign(coarsePrompt: coarse, finePrompt: text) }
                fallback = text
            }
        }
        // Over budget even as codes: the grounding check reports which AUs the encoder will not read.
        return PromptDesign(coarsePrompt: coarse, finePrompt: fallback)
    }

    /// "right " for R12A: one-sided actions keep their side in the prompt.
    static func sideWord(_ side: FACSSide?) -> String {
        switch side {
        case .left: "left "
        case .right: "right "
        case .unilateral: "one-sided "
        case nil: ""
        }
    }

    /// "orbicularis oculi, pars orbitalis" -> "orbicularis oculi": the part before any comma or parenthesis.
    /// A relaxed muscle keeps the word: jaw drop is the masseter letting go, not pulling.
    static func baseMuscle(_ muscle: String) -> String {
        let base = String(muscle.split(whereSeparator: { $0 == "," || $0 == "(" }).first ?? Substring(muscle)).trimmingCharacters(in: .whitespaces)
        return muscle.contains("(relaxed)") ? "relaxed " + base : base
    }

    /// "The cheeks lift and the skin ..., narrowing ..." -> "the cheeks lift and the skin around the eye bunches".
    static func firstClause(_ sentence: String) -> String {
        let clause = sentence.split(whereSeparator: { $0 == "," || $0 == "." || $0 == ";" }).first.map(String.init) ?? sentence
        guard let first = clause.first else { return clause }
        return (first.lowercased() + clause.dropFirst()).trimmingCharacters(in: .whitespaces)
    }
}
