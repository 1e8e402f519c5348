import SafeText
import Foundation

/// Why a chat request failed, worded for the person running the command.
public enum ChatClientError: Error, Sendable, CustomStringConvertible {
    case transport(HTTPTransportError)
    case http(status: Int, body: String)
    case malformedResponse(String)
    case retryAfterTooLong(seconds: TimeInterval, limit: TimeInterval)
    case gaveUp(attempts: Int, last: String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .transport(let error): "request failed: \(error)"
        case .http(let status, let body): "server answered HTTP \(status): \(body)"
        case .malformedResponse(let detail): "unusable response: \(detail)"
        case .retryAfterTooLong(let seconds, let limit):
            "server asked to retry after \(Self.wholeSeconds(seconds)) s, longer than the \(Self.wholeSeconds(limit)) s this client waits"
        case .gaveUp(let attempts, let last): "gave up after \(attempts) attempts; last: \(last)"
        case .invalidConfiguration(let detail): "invalid endpoint configuration: \(detail)"
        }
    }

    /// A number of seconds for a message; never traps, whatever the server sent.
    static func wholeSeconds(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite else { return "\(seconds)" }
        return seconds.magnitude < 1e15 ? String(Int64(seconds.rounded(.down))) : String(format: "%.3g", seconds)
    }

    /// The start of a body, made safe to print: no control characters, at most 300 characters.
    static func excerpt(_ body: Data) -> String {
        let text = TerminalText.strip(String(decoding: body.prefix(600), as: UTF8.self))
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
