import Foundation

/// One stage as it happened: what was asked, what came back, what was made of it, and what it cost.
/// The first six fields are the review store's stage output.
public struct StageRecord: Codable, Sendable, Equatable {
    public var index: Int
    public var title: String
    /// Readable, terminal-safe text of the parsed answer (or of the failure).
    public var text: String
    /// The request body as sent (images elided to their size and hash); nil for the offline reasoner.
    public var request: String?
    /// The model's reply exactly as received; for the offline reasoner, its output.
    public var rawReply: String?
    /// The validated answer as canonical JSON.
    public var parsed: String?

    /// A first reply that failed validation, kept when a repair turn followed, and why it failed.
    public var rejectedReply: String?
    public var rejectionReason: String?
    public var latencySeconds: Double
    public var attempts: Int
    public var usage: TokenUsage?
    public var responseFormat: String?
    public var finishReason: String?
    public var startedAt: Date

    public init(
        index: Int, title: String, text: String, request: String? = nil, rawReply: String? = nil, parsed: String? = nil,
        rejectedReply: String? = nil, rejectionReason: String? = nil, latencySeconds: Double = 0, attempts: Int = 0,
        usage: TokenUsage? = nil, responseFormat: String? = nil, finishReason: String? = nil, startedAt: Date = Date()
    ) {
        self.index = index
        self.title = title
        self.text = text
        self.request = request
        self.rawReply = rawReply
        self.parsed = parsed
        self.rejectedReply = rejectedReply
        self.rejectionReason = rejectionReason
        self.latencySeconds = latencySeconds
        self.attempts = attempts
        self.usage = usage
        self.responseFormat = responseFormat
        self.finishReason = finishReason
        self.startedAt = startedAt
    }
}

/// The stages of the chain, in order.
enum StageKind: Int, CaseIterable, Sendable {
    case facialInformation = 1, actionUnits, muscles, promptDesign

    var title: String {
        switch self {
        case .facialInformation: "I facial information"
        case .actionUnits: "II action units"
        case .muscles: "III muscles"
        case .promptDesign: "IV prompt design"
        }
    }

    var templateName: String {
        switch self {
        case .facialInformation: "stage1-facial-information"
        case .actionUnits: "stage2-action-units"
        case .muscles: "stage3-muscles"
        case .promptDesign: "stage4-prompt-design"
        }
    }
}
