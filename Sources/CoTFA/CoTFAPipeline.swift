import SafeText
import AnnotationRecord
import FACSKnowledge
import Foundation
import WorkerThreads
import Logging

/// Turns an emotion label (and a portrait) into grounded coarse and fine prompts: the four CoT-FA stages
/// against a model endpoint or the offline FACS-rules reasoner, then grounding against the FACS table.
/// Safe to call from many threads; `annotateAll` runs a batch with bounded concurrency.
public final class CoTFAPipeline: @unchecked Sendable {
    public enum Backend: Sendable {
        case offline
        case remote(ChatClient)
    }

    public let table: FACSTable
    public let backend: Backend
    public let templates: StageTemplates
    public let budget: PromptBudget
    private let checker: GroundingChecker
    private let logger: Logger
    private let modelLock = NSLock()
    private var resolvedModel: String?
    private var serverModels: [String]?

    public init(
        table: FACSTable, backend: Backend, templates: StageTemplates? = nil, budget: PromptBudget = PromptBudget(),
        logger: Logger = Logger(label: "tbd.cotfa")
    ) throws {
        self.table = table
        self.backend = backend
        self.templates = try templates ?? StageTemplates.bundled()
        self.budget = budget
        checker = GroundingChecker(table: table, budget: budget)
        self.logger = logger
    }

    /// The `label` mode asks no model on either backend: its prompts come from two templates.
    public static let labelBackendName = "label-template"

    public var backendName: String {
        switch backend {
        case .offline: OfflineFACSReasoner.backendName
        case .remote: "openai-chat"
        }
    }

    /// Checks the endpoint with `GET {base}/models` and settles the model: the configured one, else the first the
    /// server lists. Returns the server's model ids. Offline: nothing to check, an empty list.
    @discardableResult
    public func connect() throws -> [String] {
        guard case .remote(let client) = backend else { return [] }
        modelLock.lock()
        defer { modelLock.unlock() }
        if let serverModels { return serverModels }
        let models: [String]
        do {
            models = try client.listModels()
        } catch ChatClientError.http(let status, _, _, _) where status == 404 && client.configuration.model != nil {
            // Some proxies serve chat but not the model list; a named model is enough to go on.
            logger.warning("the endpoint has no model list (HTTP 404); using the configured model")
            models = []
        }
        if let configured = client.configuration.model {
            if !models.isEmpty && !models.contains(configured) {
                logger.warning("the server does not list model '\(configured)' (it lists: \(TerminalText.strip(models.joined(separator: ", "), keepNewlines: false))); asking for it anyway")
            }
            resolvedModel = configured
        } else {
            guard let first = models.first else {
                throw ChatClientError.invalidConfiguration("the server lists no models; name one with --vlm-model or TBD_VLM_MODEL")
            }
            resolvedModel = first
        }
        serverModels = models
        return models
    }

    /// Annotates one item. Throws `CoTFAInputError` for input it cannot use (nothing was sent),
    /// `AnnotationFailure` when a stage fails (with every stage so far, raw replies included), or the
    /// endpoint check's error. `onStage` hears of each stage a model answered (the offline reasoner has none).
    public func annotate(_ input: AnnotationInput, onStage: @escaping @Sendable (StageProgress) -> Void = { _ in }) throws -> Annotation {
        let context = try StageContext(input: input, table: table, budget: budget)
        let started = Date()
        let outcome: ReasoningOutcome
        var model: String?
        switch (input.mode, backend) {
        case (.label, _):
            outcome = try labelOutcome(context)
        case (.cot, .offline):
            outcome = try OfflineFACSReasoner(table: table, templates: templates).chain(context)
        case (.describe, .offline):
            outcome = try OfflineFACSReasoner(table: table, templates: templates).describe(context)
        case (let mode, .remote(let client)):
            try connect()
            model = modelLock.withLock { resolvedModel }
            var conversation = RemoteConversation(client: client, model: model!, templates: templates)
            conversation.onStage = onStage
            do {
                switch (mode, input.grouping) {
                case (.cot, .sharedAnalysis(let subject, let image)):
                    var stageOneInput = input
                    stageOneInput.subject = subject
                    stageOneInput.image = image
                    let stageOne = try StageContext(input: stageOneInput, table: table, budget: budget)
                    outcome = try conversation.sharedChain(context, stageOne: stageOne)
                case (.cot, _):
                    outcome = try conversation.chain(context)
                default:
                    outcome = try conversation.describe(context)
                }
            } catch var failure as AnnotationFailure {
                // The stored failed item names the model that was asked.
                failure.model = model
                throw failure
            }
        }

        var report = checker.check(
            emotion: context.prototype.emotion, level: input.level,
            actionUnits: input.mode == .label ? context.expected.map { ActionUnitAnalysis.Entry(code: "AU\($0)", intensity: $0.intensity?.rawValue ?? "", reason: "") } : outcome.actionUnits,
            muscles: outcome.muscles, prompts: outcome.prompts)
        if input.mode == .label {
            // The label alone names no AUs: the table's expectation is used only to check the prompts.
            report.aus = []
        }
        let finished = Date()
        return Annotation(
            subject: input.subject, emotion: context.prototype.emotion, level: input.level, mode: input.mode,
            backend: input.mode == .label ? Self.labelBackendName : backendName, endpoint: input.mode == .label ? nil : endpoint,
            modelID: outcome.reportedModel ?? model,
            templateVersion: templates.version, stages: outcome.stages, coarsePrompt: report.coarsePrompt,
            finePrompt: report.finePrompt, aus: report.aus, findings: outcome.notes + report.findings,
            provenance: provenance(input: input, outcome: outcome, requestedModel: model, started: started, finished: finished))
    }

    /// Annotates a batch on `concurrency` threads; results come back in input order, each a success or its error.
    public func annotateAll(_ inputs: [AnnotationInput], concurrency: Int) -> [Result<Annotation, Error>] {
        WorkerPool.map(count: inputs.count, threads: concurrency) { index in Result { try self.annotate(inputs[index]) } }
    }

    /// The endpoint as stored with every result and failure: no user, password or query.
    public var endpoint: String? {
        if case .remote(let client) = backend { return client.configuration.redactedBaseURL }
        return nil
    }

    private func labelOutcome(_ context: StageContext) throws -> ReasoningOutcome {
        let prompts = PromptDesign(
            coarsePrompt: try templates.render("label-coarse.txt", context.values),
            finePrompt: try templates.render("label-fine.txt", context.values))
        let record = StageRecord(
            index: 1, title: "label prompts", text: prompts.readableText, rawReply: prompts.canonicalJSON, parsed: prompts.canonicalJSON)
        return ReasoningOutcome(stages: [record], actionUnits: [], muscles: nil, prompts: prompts, reportedModel: nil, notes: [])
    }

    private func provenance(
        input: AnnotationInput, outcome: ReasoningOutcome, requestedModel: String?, started: Date, finished: Date
    ) -> AnnotationProvenance {
        let offline: Bool
        var configuration: VLMConfiguration?
        switch backend {
        case .offline: offline = true
        case .remote(let client): offline = input.mode == .label; configuration = client.configuration
        }
        let image: String
        if let picture = input.image, !input.textOnly, !offline {
            image = "\(picture.width)x\(picture.height) jpeg, \(picture.jpeg.count) bytes"
        } else if input.textOnly && !offline {
            image = "text only"
        } else {
            image = "none"
        }
        let usages = outcome.stages.compactMap(\.usage)
        return AnnotationProvenance(
            backend: input.mode == .label ? Self.labelBackendName : backendName, offline: offline,
            note: offline ? (input.mode == .label ? "prompts from the emotion label alone; no model was asked" : OfflineFACSReasoner.provenanceNote) : nil,
            endpoint: input.mode == .label ? nil : endpoint, requestedModel: requestedModel, reportedModel: outcome.reportedModel, mode: input.mode.rawValue,
            templateVersion: templates.version, temperature: configuration?.temperature, topP: configuration?.topP,
            seed: configuration?.seed, maxTokens: configuration?.maxTokens, responseFormatMode: configuration?.responseFormat.rawValue,
            image: image, tokenCounter: budget.counter.name, tokenBudget: budget.limit,
            usage: usages.isEmpty ? nil : usages.dropFirst().reduce(usages[0], +),
            stages: outcome.stages.map {
                AnnotationProvenance.StageTiming(
                    index: $0.index, latencySeconds: $0.latencySeconds, attempts: $0.attempts, responseFormat: $0.responseFormat,
                    finishReason: $0.finishReason, usage: $0.usage, repaired: $0.rejectedReply != nil,
                    rejectedReply: $0.rejectedReply, rejectionReason: $0.rejectionReason, startedAt: $0.startedAt)
            },
            startedAt: started, finishedAt: finished)
    }
}
