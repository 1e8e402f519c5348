import Foundation

/// One stage as it happened: what was asked, what came back, what was made of it, and what it cost.
/// Timing fields are absent from records stored before they were kept; they then read as zero and now.
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

    private enum CodingKeys: String, CodingKey {
        case index, title, text, request, rawReply, parsed, rejectedReply, rejectionReason, latencySeconds, attempts, usage
        case responseFormat, finishReason, startedAt
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        index = try container.decode(Int.self, forKey: .index)
        title = try container.decode(String.self, forKey: .title)
        text = try container.decode(String.self, forKey: .text)
        request = try container.decodeIfPresent(String.self, forKey: .request)
        rawReply = try container.decodeIfPresent(String.self, forKey: .rawReply)
        parsed = try container.decodeIfPresent(String.self, forKey: .parsed)
        rejectedReply = try container.decodeIfPresent(String.self, forKey: .rejectedReply)
        rejectionReason = try container.decodeIfPresent(String.self, forKey: .rejectionReason)
        latencySeconds = try container.decodeIfPresent(Double.self, forKey: .latencySeconds) ?? 0
        attempts = try container.decodeIfPresent(Int.self, forKey: .attempts) ?? 0
        usage = try container.decodeIfPresent(TokenUsage.self, forKey: .usage)
        responseFormat = try container.decodeIfPresent(String.self, forKey: .responseFormat)
        finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
        startedAt = try container.decodeIfPresent(Date.self, forKey: .startedAt) ?? Date(timeIntervalSince1970: 0)
    }
}
