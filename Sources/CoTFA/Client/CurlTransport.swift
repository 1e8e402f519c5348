import Foundation

/// HTTP over libcurl with a fixed number of easy handles: at most `maxConcurrentRequests` transfers run at once,
/// and each handle keeps its connection alive for the next request that borrows it.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    public let maxConcurrentRequests: Int
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var idleHandles: [CurlEasyHandle] = []

    public init(maxConcurrentRequests: Int = 4) {
        self.maxConcurrentRequests = max(1, maxConcurrentRequests)
        slots = DispatchSemaphore(value: self.maxConcurrentRequests)
    }

    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        slots.wait()
        defer { slots.signal() }
        let handle = try borrowHandle()
        defer { returnHandle(handle) }
        return try handle.perform(request)
    }

    private func borrowHandle() throws -> CurlEasyHandle {
        lock.lock()
        let reused = idleHandles.popLast()
        lock.unlock()
        return try reused ?? CurlEasyHandle()
    }

    private func returnHandle(_ handle: CurlEasyHandle) {
        lock.lock()
        idleHandles.append(handle)
        lock.unlock()
    }
}
