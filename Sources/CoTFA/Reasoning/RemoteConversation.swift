import AnnotationRecord
import FACSKnowledge
import Foundation
import SafeText

/// Runs the stages as one chat with a model: each stage's question follows the earlier answers (carried as
/// validated JSON), the image goes with stage I, and a reply that fails validation gets one repair turn.
struct RemoteConversation: Sendable {
    let client: ChatClient
    let model: String
    let templates: StageTemplates
    /// Told each stage as it is accepted.
    var onStage: @Sendable (StageProgress) -> Void = { _ in }

    /// Kept in the chat when a reply is sent back for repair; more would only cost context.
    static let maxEchoedReplyBytes = 6000

    /// A reply as the stage record keeps it: whole, unless it is over the size a stage reads, and then its start
    /// and how many bytes more there were, so a hostile reply does not fill the store and the failure records.
    static func kept(_ reply: String) -> String {
        TerminalText.excerpt(reply, maxBytes: ReplyJSONExtractor.maxReplyBytes)
    }

    private final class Transcript {
        var messages: [ChatMessage]
        var stages: [StageRecord] = []
        var notes: [Finding] = []
        var reportedModel: String?

        init(system: String) { messages = [.system(system)] }
    }

    func chain(_ context: StageContext) throws -> ReasoningOutcome {
        let transcript = Transcript(system: try templates.render("system.txt", [:]))
        let image = context.input.textOnly ? nil : context.input.image
        _ = try ask(FacialInformation.self, .facialInformation, context, image: image, transcript)
        let analysis = try ask(ActionUnitAnalysis.self, .actionUnits, context, image: nil, transcript)
        let muscles = try ask(MuscleAnalysis.self, .muscles, context, image: nil, transcript)
        let prompts = try ask(PromptDesign.self, .promptDesign, context, image: nil, transcript)
        return ReasoningOutcome(
            stages: transcript.stages, actionUnits: analysis.actionUnits, muscles: muscles, prompts: prompts,
            reportedModel: transcript.reportedModel, notes: transcript.notes)
    }

    /// The batch grouping (see `StageGrouping.sharedAnalysis`): stage I, then II-III, in chats of their own;
    /// stage IV in a chat that replays all three exchanges.
    func sharedChain(_ context: StageContext, stageOne: StageContext) throws -> ReasoningOutcome {
        let system = try templates.render("system.txt", [:])
        let faces = Transcript(system: system)
        let image = stageOne.input.textOnly ? nil : stageOne.input.image
        _ = try ask(FacialInformation.self, .facialInformation, stageOne, image: image, faces)
        let analysis = Transcript(system: system)
        // A failure in a later chat must still show the stages already answered.
        analysis.stages = faces.stages
        let actionUnits = try ask(ActionUnitAnalysis.self, .actionUnits, context, image: nil, analysis)
        let muscles = try ask(MuscleAnalysis.self, .muscles, context, image: nil, analysis)
        let design = Transcript(system: system)
        design.messages += faces.messages.dropFirst() + analysis.messages.dropFirst()
        design.stages = analysis.stages
        let prompts = try ask(PromptDesign.self, .promptDesign, context, image: nil, design)
        return ReasoningOutcome(
            stages: design.stages, actionUnits: actionUnits.actionUnits, muscles: muscles, prompts: prompts,
            reportedModel: design.reportedModel ?? analysis.reportedModel ?? faces.reportedModel,
            notes: faces.notes + analysis.notes + design.notes)
    }

    func describe(_ context: StageContext) throws -> ReasoningOutcome {
        let transcript = Transcript(system: try templates.render("system.txt", [:]))
        let image = context.input.textOnly ? nil : context.input.image
        let answer = try ask(
            DirectDescription.self, index: 1, title: "direct description", templateName: "describe", context, image: image, transcript)
        return ReasoningOutcome(
            stages: transcript.stages,
            actionUnits: answer.actionUnits.map { ActionUnitAnalysis.Entry(code: $0, intensity: "", reason: "") },
            muscles: nil, prompts: PromptDesign(coarsePrompt: answer.coarsePrompt, finePrompt: answer.finePrompt),
            reportedModel: transcript.reportedModel, notes: transcript.notes)
    }

    private func ask<Answer: StageAnswer>(
        _ type: Answer.Type, _ stage: StageKind, _ context: StageContext, image: PortraitImage?, _ transcript: Transcript
    ) throws -> Answer {
        try ask(type, index: stage.rawValue, title: stage.title, templateName: stage.templateName, context, image: image, transcript)
    }

    private func ask<Answer: StageAnswer>(
        _ type: Answer.Type, index: Int, title: String, templateName: String, _ context: StageContext,
        image: PortraitImage?, _ transcript: Transcript
    ) throws -> Answer {
        let schema = templates.schema(templateName)
        var values = context.values
        values["schema"] = schema?.compactText ?? "{}"
        let question = try templates.render(templateName + ".txt", values)
        transcript.messages.append(ChatMessage(role: .user, parts: [.text(question)] + (image.map { [.jpeg($0.jpeg)] } ?? [])))

        func fail(_ reason: String, record: StageRecord?) -> AnnotationFailure {
            AnnotationFailure(stageIndex: index, stageTitle: title, reason: reason, stages: transcript.stages + (record.map { [$0] } ?? []))
        }
        func send() throws -> ChatExchange {
            do {
                return try client.complete(transcript.messages, model: model, schemaName: templateName.replacingOccurrences(of: "-", with: "_"), schema: schema)
            } catch {
                throw fail("\(error)", record: nil)
            }
        }

        let first = try send()
        var record = StageRecord(
            index: index, title: title, text: "", request: first.requestRecord, rawReply: Self.kept(first.reply.content),
            latencySeconds: first.latency, attempts: first.attempts, usage: first.reply.usage,
            responseFormat: first.responseFormat.description, finishReason: first.reply.finishReason, startedAt: first.startedAt)
        transcript.reportedModel = first.reply.model ?? transcript.reportedModel
        if first.reply.wasTruncated {
            transcript.notes.append(Finding(
                severity: .info, kind: .modelReply, codes: [],
                message: "stage \(title): the reply was cut off at max_tokens (finish_reason \"length\")"))
        }

        switch Self.parse(Answer.self, first.reply) {
        case .answer(let answer):
            return accept(answer, record: &record, transcript)
        case .problem(let problem):
            transcript.messages.append(.assistant(TerminalText.excerpt(first.reply.content, maxBytes: Self.maxEchoedReplyBytes)))
            transcript.messages.append(.user(try templates.render("repair.txt", ["error": problem, "schema": values["schema"]!])))
            record.rejectedReply = Self.kept(first.reply.content)
            record.rejectionReason = problem
            let second: ChatExchange
            do {
                second = try send()
            } catch let failure as AnnotationFailure {
                record.text = "failed: \(problem)"
                throw AnnotationFailure(
                    stageIndex: index, stageTitle: title, reason: "repair turn failed: \(failure.reason) (first reply: \(problem))",
                    stages: transcript.stages + [record])
            }
            record.request = second.requestRecord
            record.rawReply = Self.kept(second.reply.content)
            record.latencySeconds += second.latency
            record.attempts += second.attempts
            if let extra = second.reply.usage {
                record.usage = (record.usage ?? TokenUsage(promptTokens: 0, completionTokens: 0)) + extra
            }
            record.responseFormat = second.responseFormat.description
            record.finishReason = second.reply.finishReason
            transcript.reportedModel = second.reply.model ?? transcript.reportedModel
            switch Self.parse(Answer.self, second.reply) {
            case .answer(let answer):
                // Later stages see the question and the good answer only, not the detour through the repair.
                transcript.messages.removeLast(2)
                transcript.notes.append(Finding(
                    severity: .info, kind: .modelReply, codes: [],
                    message: "stage \(title): the first reply was unusable (\(problem)); the repair turn succeeded"))
                return accept(answer, record: &record, transcript)
            case .problem(let secondProblem):
                record.text = "failed: \(secondProblem)"
                throw fail("the reply is still unusable after one repair turn: \(secondProblem)", record: record)
            }
        }
    }

    private func accept<Answer: StageAnswer>(_ answer: Answer, record: inout StageRecord, _ transcript: Transcript) -> Answer {
        record.parsed = answer.canonicalJSON
        record.text = answer.readableText
        // Later stages see the validated answer, not the raw reply with its prose or escape sequences.
        transcript.messages.append(.assistant(answer.canonicalJSON))
        transcript.stages.append(record)
        onStage(StageProgress(index: record.index, title: record.title, seconds: record.latencySeconds, attempts: record.attempts))
        return answer
    }

    static func parse<Answer: StageAnswer>(_ type: Answer.Type, _ reply: ChatReply) -> ParseOutcome<Answer> {
        do {
            return .answer(try Answer.validated(try ReplyJSONExtractor.extract(reply.content)))
        } catch {
            let cutOff = reply.wasTruncated ? " (the reply was cut off at the token limit: answer more briefly)" : ""
            return .problem("\(error)\(cutOff)")
        }
    }
}

enum ParseOutcome<Answer> {
    case answer(Answer)
    case problem(String)
}
