import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that speaks enough of the OpenAI chat API for tests
/// and benchmarks: `GET /v1/models` and `POST /v1/chat/completions`, with replies chosen by a responder closure.
/// One thread per connection, keep-alive honoured, every request recorded.
public final class LoopbackChatServer: @unchecked Sendable {
    public typealias Responder = @Sendable (_ request: RecordedRequest, _ chatIndex: Int) -> ScriptedReply

    public let port: UInt16
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    public var modelIDs = ["loopback-model"]
    /// The `owned_by` of each listed model, as servers use it to name themselves ("vllm", "llamacpp"); none when nil.
    public var modelOwner: String?

    private let listener: Int32
    private let lock = NSLock()
    private var recorded: [RecordedRequest] = []
    private var chatCount = 0
    private var chatsInFlight = 0
    private var mostChatsInFlight = 0
    private var connectionCount = 0
    private var openSockets: Set<Int32> = []
    private var responder: Responder
    private var stopped = false

    public init(responder: @escaping Responder) throws {
        self.responder = responder
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw ServerError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [weak self] in self?.acceptLoop() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit { stop() }

    /// Replaces how chat requests are answered.
    public func respond(_ responder: @escaping Responder) {
        lock.withLock { self.responder = responder }
    }

    public var requests: [RecordedRequest] { lock.withLock { recorded } }
    public var chatRequests: [RecordedRequest] { requests.filter { $0.route.hasSuffix("/chat/completions") } }
    public var connectionsAccepted: Int { lock.withLock { connectionCount } }
    /// The most chat requests that were being answered at the same moment (from receipt to the reply written):
    /// shows whether a client really ran requests concurrently.
    public var maxConcurrentChats: Int { lock.withLock { mostChatsInFlight } }

    public func stop() {
        // A second call (deinit after stop) must do nothing: the descriptor number may belong to a newer server.
        let sockets: Set<Int32>? = lock.withLock {
            if stopped { return nil }
            stopped = true
            return openSockets
        }
        guard let sockets else { return }
        // Only shut down: the accept loop closes the listener once it has left accept(), so the descriptor
        // number cannot be reused by a new server while this loop still waits on it.
        shutdown(listener, Int32(SHUT_RDWR))
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            var yes: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let id: Int? = lock.withLock {
                if stopped { return nil }
                connectionCount += 1
                openSockets.insert(client)
                return connectionCount
            }
            guard let id else {
                close(client)
                return
            }
            let thread = Thread { [weak self] in
                self?.serve(client, connectionID: id)
                close(client)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func serve(_ socket: Int32, connectionID: Int) {
        defer { lock.withLock { _ = openSockets.remove(socket) } }
        var buffer = Data()
        while let request = readRequest(socket, buffer: &buffer, connectionID: connectionID) {
            let reply: ScriptedReply
            let isChat = request.method == "POST" && request.route.hasSuffix("/chat/completions")
            if request.method == "GET" && request.route.hasSuffix("/models") {
                let owner = modelOwner
                let models = modelIDs.map { id in ["id": id, "object": "model"].merging(owner.map { ["owned_by": $0] } ?? [:]) { a, _ in a } }
                reply = .rawBody(try! JSONSerialization.data(withJSONObject: ["object": "list", "data": models]))
                lock.withLock { recorded.append(request) }
            } else if isChat {
                let (index, responder) = lock.withLock {
                    recorded.append(request)
                    chatCount += 1
                    chatsInFlight += 1
                    mostChatsInFlight = max(mostChatsInFlight, chatsInFlight)
                    return (chatCount - 1, self.responder)
                }
                reply = responder(request, index)
            } else {
                lock.withLock { recorded.append(request) }
                reply = .status(404, body: #"{"error":{"message":"not found"}}"#)
            }
            let sent = send(reply, to: socket)
            if isChat { lock.withLock { chatsInFlight -= 1 } }
            guard sent else { return }
        }
    }

    /// Writes the reply; false when the connection should end.
    private func send(_ reply: ScriptedReply, to socket: Int32) -> Bool {
        switch reply {
        case .delayed(let seconds, let inner):
            Thread.sleep(forTimeInterval: seconds)
            return send(inner, to: socket)
        case .reset:
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(socket, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            return false
        case .chat(let content, let finishReason, let model):
            let body: [String: Any] = [
                "id": "chatcmpl-loopback", "object": "chat.completion", "model": model,
                "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": finishReason]],
                "usage": ["prompt_tokens": 100, "completion_tokens": content.utf8.count / 4, "total_tokens": 100 + content.utf8.count / 4],
            ]
            return write(status: 200, headers: [:], body: try! JSONSerialization.data(withJSONObject: body), to: socket)
        case .status(let code, let body, let headers):
            return write(status: code, headers: headers, body: Data(body.utf8), to: socket)
        case .rawBody(let data):
            return write(status: 200, headers: [:], body: data, to: socket)
        }
    }

    private func write(status: Int, headers: [String: String], body: Data, to socket: Int32) -> Bool {
        var head = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Status")\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return writeAll(Data(head.utf8) + body, to: socket)
    }

    private func writeAll(_ data: Data, to socket: Int32) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.send(socket, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// Reads one request (head, then Content-Length bytes); nil at end of connection.
    private func readRequest(_ socket: Int32, buffer: inout Data, connectionID: Int) -> RecordedRequest? {
        let separator = Data("\r\n\r\n".utf8)
        while buffer.range(of: separator) == nil {
            guard readMore(socket, into: &buffer) else { return nil }
        }
        let headEnd = buffer.range(of: separator)!
        let head = String(decoding: buffer[buffer.startIndex..<headEnd.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        buffer.removeSubrange(buffer.startIndex..<headEnd.upperBound)
        while buffer.count < length {
            guard readMore(socket, into: &buffer) else { return nil }
        }
        let body = Data(buffer.prefix(length))
        buffer.removeFirst(length)
        return RecordedRequest(
            method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body, connectionID: connectionID)
    }

    private func readMore(_ socket: Int32, into buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(chunk, count: count)
            return true
        }
    }
}
