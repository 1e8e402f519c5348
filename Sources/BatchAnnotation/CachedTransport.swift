import ContentHashing
import CoTFA
import Foundation
import MediaIO
import Store

/// An HTTP transport that answers a repeated chat request from the review store's call cache instead of the
/// network. The key is the SHA-256 of the request's path and body (model, messages with the image, parameters),
/// not of the host, so replicas of one model share answers and no credential enters it. Identical requests in
/// flight at once wait for the first one (single flight), and real calls keep a minimum interval per endpoint
/// when a rate limit is set. Only 2xx replies that were not cut off at the token limit are kept.
public final class CachedTransport: HTTPTransport, @unchecked Sendable {
    private let inner: HTTPTransport
    private let store: ProjectStore
    private let minimumInterval: TimeInterval
    private let lock = NSCondition()
    private var inFlight: Set<String> = []
    private var nextCallAt = Date.distantPast
    private var counts = Counts()

    public struct Counts: Sendable, Equatable {
        public var calls = 0
        public var cacheHits = 0

        public init(calls: Int = 0, cacheHits: Int = 0) {
            self.calls = calls
            self.cacheHits = cacheHits
        }
    }

    /// `requestsPerSecond` nil or 0 means no limit.
    public init(inner: HTTPTransport, store: ProjectStore, requestsPerSecond: Double? = nil) {
        self.inner = inner
        self.store = store
        minimumInterval = requestsPerSecond.map { $0 > 0 ? 1 / $0 : 0 } ?? 0
    }

    public var statistics: Counts {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }

    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        guard request.method == .post, let body = request.body else { return try inner.send(request) }
        let key = Self.key(url: request.url, body: body)
        lock.lock()
        while inFlight.contains(key) { lock.wait() }
        if let cached = try? store.cachedResponse(requestHash: key) {
            counts.cacheHits += 1
            lock.unlock()
            return HTTPResponse(status: 200, headers: ["content-type": "application/json", "x-tbd-cache": "hit"], body: cached, duration: 0, newConnections: 0)
        }
        inFlight.insert(key)
        let wait = max(0, nextCallAt.timeIntervalSinceNow)
        nextCallAt = max(nextCallAt, Date()).addingTimeInterval(minimumInterval)
        counts.calls += 1
        lock.unlock()
        defer {
            lock.lock()
            inFlight.remove(key)
            lock.broadcast()
            lock.unlock()
        }
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        let response = try inner.send(request)
        if (200..<300).contains(response.status), !Self.wasCutOff(response.body) {
            try? store.storeResponse(requestHash: key, response: response.body)
        }
        return response
    }

    /// A reply that hit the token limit is not worth repeating: a retry should ask again.
    static func wasCutOff(_ body: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]] else { return false }
        return choices.contains { $0["finish_reason"] as? String == "length" }
    }

    /// The request's content address: the URL's path (not its host) and the exact body bytes.
    static func key(url: String, body: Data) -> String {
        let path = URLComponents(string: url)?.path ?? url
        var digest = SHA256Digest()
        digest.update(path)
        digest.update(Data([0]))
        digest.update(body)
        return digest.finishHex()
    }
}
