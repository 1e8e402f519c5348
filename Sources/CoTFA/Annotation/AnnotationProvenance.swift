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

    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
