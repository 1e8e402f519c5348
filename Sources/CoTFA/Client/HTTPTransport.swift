import Foundation

/// One HTTP exchange as the chat client needs it: a method, a URL, headers and an optional body.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }

    public var method: Method
    public var url: String
    public var headers: [String]
    public var body: Data?
    public var connectTimeout: TimeInterval
    public var totalTimeout: TimeInterval
    /// Replies longer than this fail instead of filling memory.
    public var maxResponseBytes: Int

    public init(
        method: Method, url: String, headers: [String] = [], body: Data? = nil,
        connectTimeout: TimeInterval = 10, totalTimeout: TimeInterval = 120, maxResponseBytes: Int = 8 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxResponseBytes = maxResponseBytes
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: Data
    /// Wall time of the transfer as the transport measured it.
    public var duration: TimeInterval
    /// New connections opened for this exchange: 0 when an existing one was reused.
    public var newConnections: Int
}

/// A failure below HTTP: the server could not be reached, the connection broke, or the transfer ran out of time.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case timedOut = "timed out"
        case couldNotConnect = "could not connect"
        case connectionBroken = "connection broken"
        case responseTooLarge = "response too large"
        case invalidRequest = "invalid request"
        case other = "transfer failed"
    }

    public let kind: Kind
    public let detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// Whether trying again may help: a timeout or a broken connection may, a malformed URL or a huge reply will not.
    public var isTransient: Bool {
        switch kind {
        case .timedOut, .couldNotConnect, .connectionBroken: true
        case .responseTooLarge, .invalidRequest, .other: false
        }
    }

    public var description: String { "\(kind.rawValue): \(detail)" }
}

/// Sends one request and waits for its response; implementations bound their own concurrency.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}
