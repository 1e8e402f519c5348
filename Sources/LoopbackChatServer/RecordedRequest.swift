import Foundation

/// One HTTP request as the loopback server received it.
public struct RecordedRequest: Sendable {
    public let method: String
    /// The request target as sent: path and query.
    public let path: String
    /// Header names lowercased.
    public let headers: [String: String]
    public let body: Data
    /// Which TCP connection carried it (1, 2, ... in accept order): shows whether the client reused connections.
    public let connectionID: Int

    /// The path without the query: what the server routes on.
    public var route: String { path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path }
    /// The query after "?", or nil.
    public var query: String? {
        let parts = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count == 2 ? String(parts[1]) : nil
    }

    /// The body as a JSON object, when it is one.
    public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }

    /// `messages` of a chat request.
    public var messages: [[String: Any]] { json?["messages"] as? [[String: Any]] ?? [] }

    /// The text of a message's content, whether a plain string or content parts.
    public static func text(of message: [String: Any]) -> String {
        if let text = message["content"] as? String { return text }
        let parts = message["content"] as? [[String: Any]] ?? []
        return parts.compactMap { $0["text"] as? String }.joined(separator: "\n")
    }

    /// The text of the last user message: which stage (or repair) is being asked.
    public var lastUserText: String {
        messages.last { $0["role"] as? String == "user" }.map(Self.text(of:)) ?? ""
    }

    /// Image URLs in the message at `index` (negative counts from the end).
    public func imageURLs(inMessage index: Int) -> [String] {
        let list = messages
        let position = index < 0 ? list.count + index : index
        guard list.indices.contains(position), let parts = list[position]["content"] as? [[String: Any]] else { return [] }
        return parts.compactMap { ($0["image_url"] as? [String: Any])?["url"] as? String }
    }
}

/// What the server does with a request.
public indirect enum ScriptedReply: Sendable {
    /// A chat completion whose message content is `content`.
    case chat(String, finishReason: String = "stop", model: String = "loopback-model")
    /// Any status with a body and extra headers.
    case status(Int, body: String = "", headers: [String: String] = [:])
    /// Wait, then do the other reply.
    case delayed(TimeInterval, ScriptedReply)
    /// Reset the connection without answering.
    case reset
    /// A 200 whose body is these bytes (for malformed or huge bodies).
    case rawBody(Data)
}
