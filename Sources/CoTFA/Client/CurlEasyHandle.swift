import CCurl
import Foundation

/// One libcurl easy handle. It keeps its connection open between transfers, so a worker that reuses the handle
/// reuses the connection. Not thread-safe: one transfer at a time (CurlTransport hands handles out one per request).
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer

    init() throws {
        _ = CurlEasyHandle.globalInit
        guard let handle = curl_easy_init() else {
            throw HTTPTransportError(kind: .other, detail: "libcurl could not create a handle")
        }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// curl_global_init is not thread-safe; a static let runs it exactly once, before the first handle.
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        // Reset clears options from the previous transfer but keeps the live connection and DNS cache.
        curl_easy_reset(handle)
        let sink = ResponseSink(limit: request.maxResponseBytes)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        // An empty Expect header stops libcurl from sending "Expect: 100-continue" for large bodies and then
        // waiting up to a second for a server that never answers it.
        for header in request.headers + ["Expect:"] {
            headerList = curl_slist_append(headerList, header)
        }
        defer { curl_slist_free_all(headerList) }

        var setupFailures: [CURLcode] = []
        func check(_ code: CURLcode) { if code != CURLE_OK { setupFailures.append(code) } }
        check(tbd_curl_setopt_string(handle, CURLOPT_URL, request.url))
        check(tbd_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        check(tbd_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)))
        check(tbd_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.totalTimeout)))
        check(tbd_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1))
        check(tbd_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        check(tbd_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
        check(tbd_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody))
        check(tbd_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer))
        check(tbd_curl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader))
        check(tbd_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer))
        switch request.method {
        case .get:
            check(tbd_curl_setopt_long(handle, CURLOPT_HTTPGET, 1))
        case .post:
            let body = request.body ?? Data()
            check(tbd_curl_setopt_long(handle, CURLOPT_POST, 1))
            check(tbd_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            // COPYPOSTFIELDS copies the bytes, so the body's storage need not outlive this call.
            body.withUnsafeBytes { raw in
                if let base = raw.baseAddress, !raw.isEmpty {
                    check(tbd_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base)))
                } else {
                    check(tbd_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, ""))
                }
            }
        }
        if let failure = setupFailures.first {
            throw HTTPTransportError(kind: .invalidRequest, detail: Self.message(failure))
        }

        let result = withExtendedLifetime(sink) { curl_easy_perform(handle) }
        guard result == CURLE_OK else {
            if sink.exceededLimit {
                throw HTTPTransportError(
                    kind: .responseTooLarge, detail: "the reply exceeded \(request.maxResponseBytes) bytes")
            }
            throw HTTPTransportError(kind: Self.kind(of: result), detail: Self.message(result))
        }
        var status = 0
        _ = tbd_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var seconds = 0.0
        _ = tbd_curl_getinfo_double(handle, CURLINFO_TOTAL_TIME, &seconds)
        var connects = 0
        _ = tbd_curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body, duration: seconds, newConnections: connects)
    }

    /// A timeout for libcurl, range-checked before the conversion: NaN, infinite or absurd values become the
    /// bounds (1 ms to a day) instead of trapping.
    static func milliseconds(_ seconds: TimeInterval) -> Int {
        guard seconds.isFinite else { return seconds > 0 ? 86_400_000 : 1 }
        return Int((min(max(seconds, 0.001), 86_400) * 1000).rounded())
    }

    private static func message(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    private static func kind(of code: CURLcode) -> HTTPTransportError.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: .timedOut
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST: .couldNotConnect
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE: .connectionBroken
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: .invalidRequest
        default: .other
        }
    }
}

/// Where libcurl's callbacks put the response; reached from C through an unretained pointer.
private final class ResponseSink {
    let limit: Int
    var body = Data()
    var headers: [String: String] = [:]
    var exceededLimit = false

    init(limit: Int) { self.limit = limit }
}

private let curlWriteBody: tbd_curl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard sink.body.count + length <= sink.limit else {
        sink.exceededLimit = true
        return 0  // a short count makes libcurl abort the transfer
    }
    data.withMemoryRebound(to: UInt8.self, capacity: length) { sink.body.append($0, count: length) }
    return length
}

private let curlWriteHeader: tbd_curl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") {
        // A new status line (after "100 Continue" or a redirect) starts a new header block.
        sink.headers = [:]
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        sink.headers[name] = value
    }
    return length
}
