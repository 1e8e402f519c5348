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

    public init(status: Int, headers: [String: String], body: Data, duration: TimeInterval, newConnections: Int) {
        self.status = status
        self.headers = headers
        self.body = body
        self.duration = duration
        self.newConnections = newConnections
    }
}

/// Sends one request and waits for its response; implementations bound their own concurrency.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) throws -> HTTPResponse
}
