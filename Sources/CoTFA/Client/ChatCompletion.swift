import Foundation

/// Token counts as the server reports them.
public struct TokenUsage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(promptTokens: lhs.promptTokens + rhs.promptTokens, completionTokens: lhs.completionTokens + rhs.completionTokens)
    }
}

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
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body)
        } catch {
            throw ChatClientError.malformedResponse("the response body is not JSON: " + ChatClientError.excerpt(body))
        }
        guard case .array(let choices)? = json["choices"], let first = choices.first else {
            if let message = json["error"]?["message"]?.stringValue ?? json["error"]?.stringValue {
                throw ChatClientError.malformedResponse("the server reported an error: \(message)")
            }
            throw ChatClientError.malformedResponse("the response has no choices: " + ChatClientError.excerpt(body))
        }
        guard let content = first["message"]?["content"]?.stringValue else {
            throw ChatClientError.malformedResponse("the first choice has no text content")
        }
        var usage: TokenUsage?
        if case .number(let prompt)? = json["usage"]?["prompt_tokens"], case .number(let completion)? = json["usage"]?["completion_tokens"] {
            usage = TokenUsage(promptTokens: Int(prompt), completionTokens: Int(completion))
        }
        return ChatReply(
            content: content, finishReason: first["finish_reason"]?.stringValue, model: json["model"]?.stringValue, usage: usage)
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
