import CCurl
import Foundation
import XCTest

/// A GET through libcurl to a one-shot HTTP server on loopback: fails loudly when libcurl is missing or broken.
final class CurlShimTests: XCTestCase {
    func testGetOnLoopback() throws {
        let server = try OneShotHTTPServer(body: "hello from loopback")
        XCTAssertEqual(curl_global_init(Int(CURL_GLOBAL_DEFAULT)), CURLE_OK)
        let handle = try XCTUnwrap(curl_easy_init())
        defer { curl_easy_cleanup(handle) }
        let received = ReceivedBytes()
        XCTAssertEqual(tbd_curl_setopt_string(handle, CURLOPT_URL, "http://127.0.0.1:\(server.port)/ping"), CURLE_OK)
        XCTAssertEqual(tbd_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, 5000), CURLE_OK)
        XCTAssertEqual(tbd_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
            Unmanaged<ReceivedBytes>.fromOpaque(context!).takeUnretainedValue().data.append(contentsOf: bytes)
            return size * count
        }, CURLE_OK)
        XCTAssertEqual(tbd_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(received).toOpaque()), CURLE_OK)
        XCTAssertEqual(curl_easy_perform(handle), CURLE_OK)
        var status = 0
        XCTAssertEqual(tbd_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status), CURLE_OK)
        XCTAssertEqual(status, 200)
        XCTAssertEqual(String(decoding: received.data, as: UTF8.self), "hello from loopback")
        XCTAssertTrue(server.waitForRequest().hasPrefix("GET /ping HTTP/1.1"))
    }
}

final class ReceivedBytes {
    var data = Data()
}

/// Accepts one connection on 127.0.0.1 (ephemeral port), answers 200 with `body`, and keeps the request line.
final class OneShotHTTPServer {
    let port: UInt16
    private let listener: Int32
    private let done = DispatchSemaphore(value: 0)
    private var request = ""

    init(body: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listener = fd
        Thread.detachNewThread { [self] in
            let connection = accept(listener, nil, nil)
            defer { close(connection); close(listener); done.signal() }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(connection, &buffer, buffer.count)
            request = String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
            let response = "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = response.withCString { write(connection, $0, strlen($0)) }
        }
    }

    func waitForRequest() -> String {
        _ = done.wait(timeout: .now() + 5)
        return request
    }
}
