import SafeText
import AnnotationRecord
import Foundation

/// The assistant's answer from a `chat/completions` response.
public struct ChatReply: Sendable, Equatable {
    public var content: String
    /// "stop", "length" (the reply was cut at max_tokens) or whatever the server says.
    public var finishReason: String?
    public var model: String?
    public var usage: TokenUsage?

    public var wasTruncated: Bool { finishReason == "length" }

    /// Reads the first choice; anything that is not a chat completion is an error naming what was wrong.
    static func decode(_ body: Data) throws -> ChatReply {
        let completion: CompletionBody
        do {
            completion = try JSONDecoder().decode(CompletionBody.self, from: body)
        } catch {
            throw ChatClientError.malformedResponse("the response body is not a chat completion: " + ChatClientError.excerpt(body))
        }
        guard let first = completion.choices?.first else {
            if let message = completion.error?.message {
                throw ChatClientError.malformedResponse("the server reported an error: \(TerminalText.strip(message))")
            }
            throw ChatClientError.malformedResponse("the response has no choices: " + ChatClientError.excerpt(body))
        }
        guard let content = first.message?.content else {
            throw ChatClientError.malformedResponse("the first choice has no text content")
        }
        return ChatReply(
            content: content, finishReason: first.finishReason, model: completion.model,
            usage: completion.usage.flatMap(Self.usage))
    }

    /// Token counts are the server's numbers: read as doubles, range-checked, and dropped when absurd, so a reply
    /// claiming 1e30 tokens neither fails the parse nor overflows the sum over stages.
    static let maxTokenCount = 100_000_000.0

    private static func usage(_ usage: CompletionBody.Usage) -> TokenUsage? {
        func count(_ value: Double?) -> Int? {
            guard let value else { return 0 }
            guard value.isFinite, value >= 0, value <= maxTokenCount else { return nil }
            return Int(value)
        }
        guard let prompt = count(usage.promptTokens), let completion = count(usage.completionTokens) else { return nil }
        return TokenUsage(promptTokens: prompt, completionTokens: completion)
    }

    /// The parts of an OpenAI-compatible completion the client reads; everything else is ignored.
    private struct CompletionBody: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { let content: String? }
            let message: Message?
            let finishReason: String?
            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }
        struct Usage: Decodable {
            let promptTokens: Double?
            let completionTokens: Double?
            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case completionTokens = "completion_tokens"
            }
        }
        struct ErrorBody: Decodable { let message: String? }
        let choices: [Choice]?
        let model: String?
        /// Optional twice over: a malformed usage object is dropped, not a reason to reject the reply.
        let usage: Usage?

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            choices = try container.decodeIfPresent([Choice].self, forKey: .choices)
            model = try? container.decodeIfPresent(String.self, forKey: .model)
            usage = try? container.decodeIfPresent(Usage.self, forKey: .usage)
            error = try? container.decodeIfPresent(ErrorBody.self, forKey: .error)
        }

        enum CodingKeys: String, CodingKey { case choices, model, usage, error }
        let error: ErrorBody?
    }
}

/// A completed request with everything provenance needs.
public struct ChatExchange: Sendable {
    public var reply: ChatReply
    /// The request body as sent, images elided to their size and hash.
    public var requestRecord: String
    public var responseFormat: ResponseFormatLevel
    public var attempts: Int
    public var latency: TimeInterval
    public var startedAt: Date
}
