import Foundation

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
