import Foundation

/// Where an annotation came from, stored with it as JSON: enough to reproduce or distrust it.
/// No API key or URL credentials ever enter it.
public struct AnnotationProvenance: Codable, Sendable, Equatable {
    public struct StageTiming: Codable, Sendable, Equatable {
        public var index: Int
        public var latencySeconds: Double
        public var attempts: Int
        public var responseFormat: String?
        public var finishReason: String?
        public var usage: TokenUsage?
        public var repaired: Bool
        /// The first reply that failed validation and why, so the store keeps every raw reply.
        public var rejectedReply: String?
        public var rejectionReason: String?
        public var startedAt: Date

        public init(
            index: Int, latencySeconds: Double, attempts: Int, responseFormat: String? = nil,
            finishReason: String? = nil, usage: TokenUsage? = nil, repaired: Bool,
            rejectedReply: String? = nil, rejectionReason: String? = nil, startedAt: Date
        ) {
            self.index = index
            self.latencySeconds = latencySeconds
            self.attempts = attempts
            self.responseFormat = responseFormat
            self.finishReason = finishReason
            self.usage = usage
            self.repaired = repaired
            self.rejectedReply = rejectedReply
            self.rejectionReason = rejectionReason
            self.startedAt = startedAt
        }
    }

    /// "openai-chat" for a model endpoint, "offline-facs-rules" for the built-in reasoner.
    public var backend: String
    /// True when no model was asked.
    public var offline: Bool
    public var note: String?
    public var endpoint: String?
    public var requestedModel: String?
    public var reportedModel: String?
    public var mode: String
    public var templateVersion: String
    public var temperature: Double?
    public var topP: Double?
    public var seed: Int?
    public var maxTokens: Int?
    public var responseFormatMode: String?
    /// "448x336 jpeg, 23817 bytes", "text only" or "none".
    public var image: String
    public var tokenCounter: String
    public var tokenBudget: Int
    public var usage: TokenUsage?
    public var stages: [StageTiming]
    public var startedAt: Date
    public var finishedAt: Date

    public init(
        backend: String, offline: Bool, note: String? = nil, endpoint: String? = nil,
        requestedModel: String? = nil, reportedModel: String? = nil, mode: String, templateVersion: String,
        temperature: Double? = nil, topP: Double? = nil, seed: Int? = nil, maxTokens: Int? = nil,
        responseFormatMode: String? = nil, image: String, tokenCounter: String, tokenBudget: Int,
        usage: TokenUsage? = nil, stages: [StageTiming], startedAt: Date, finishedAt: Date
    ) {
        self.backend = backend
        self.offline = offline
        self.note = note
        self.endpoint = endpoint
        self.requestedModel = requestedModel
        self.reportedModel = reportedModel
        self.mode = mode
        self.templateVersion = templateVersion
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.maxTokens = maxTokens
        self.responseFormatMode = responseFormatMode
        self.image = image
        self.tokenCounter = tokenCounter
        self.tokenBudget = tokenBudget
        self.usage = usage
        self.stages = stages
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    public var jsonText: String { (try? ProjectJSON.string(self)) ?? "{}" }
}
