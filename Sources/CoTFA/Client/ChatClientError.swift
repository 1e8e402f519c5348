import SafeText
import Foundation

/// Why a chat request failed, worded for the person running the command.
public enum ChatClientError: Error, Sendable, CustomStringConvertible {
    case transport(HTTPTransportError)
    /// The server at `url` (credentials and query removed) refused; `model` is the model asked for, if any.
    case http(status: Int, body: String, url: String, model: String?)
    case malformedResponse(String)
    case retryAfterTooLong(seconds: TimeInterval, limit: TimeInterval)
    case gaveUp(attempts: Int, last: String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .transport(let error): "request failed: \(error)"
        case .http(let status, let body, let url, let model):
            "\(url) answered HTTP \(status): \(body)" + (status == 404 ? Self.notFoundHint(model: model) : "")
        case .malformedResponse(let detail): "unusable response: \(detail)"
        case .retryAfterTooLong(let seconds, let limit):
            "server asked to retry after \(Self.wholeSeconds(seconds)) s, longer than the \(Self.wholeSeconds(limit)) s this client waits"
        case .gaveUp(let attempts, let last): "gave up after \(attempts) attempts; last: \(last)"
        case .invalidConfiguration(let detail): "invalid endpoint configuration: \(detail)"
        }
    }

    /// A 404 from a chat server means a wrong path or a model it does not serve: say which to check.
    static func notFoundHint(model: String?) -> String {
        let named = model.map { "model '\($0)'" } ?? "default model"
        return " (check the endpoint's path, usually ending in /v1, and that the server serves the \(named): `curl ENDPOINT/models` lists them; choose one with --vlm-model or TBD_VLM_MODEL)"
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
