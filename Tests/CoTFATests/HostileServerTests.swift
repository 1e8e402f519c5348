import AnnotationRecord
import CoTFA
import Foundation
import LoopbackChatServer
import XCTest

/// What a hostile or broken server (or a careless configuration) sends the chat client: headers and numbers that
/// trapped the conversion to an integer, replies and errors that echo the API key, a key that injects headers,
/// and an endpoint URL with a query string.
final class HostileServerTests: XCTestCase {
    private let schema = try! JSONValue(parsing: Data(#"{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}"#.utf8))
    private let secret = "sk-hostile-0123456789abcdef"

    private func ask(_ client: ChatClient) throws -> ChatExchange {
        try client.complete([.system("be brief"), .user("hello")], model: "loopback-model", schemaName: "test", schema: schema)
    }

    // MARK: Retry-After and other numbers from the server

    func testRetryAfterInfinityIsIgnoredNotATrap() throws {
        let server = try LoopbackChatServer { _, index in
            index == 0 ? .status(429, headers: ["Retry-After": "inf"]) : .chat(#"{"a":"b"}"#)
        }
        let sleeps = RecordedSleeps()
        let exchange = try ask(Fixtures.client(server, sleeps: sleeps))
        XCTAssertEqual(exchange.attempts, 2)
        XCTAssertEqual(sleeps.all.count, 1)
        XCTAssertTrue(sleeps.all[0].isFinite && sleeps.all[0] < 1, "an unreadable Retry-After falls back to the backoff: \(sleeps.all)")
    }

    func testRetryAfterWithTwentyDigitsFailsClearly() throws {
        let server = try LoopbackChatServer { _, _ in .status(503, headers: ["Retry-After": "99999999999999999999"]) }
        XCTAssertThrowsError(try ask(Fixtures.client(server))) { error in
            XCTAssertTrue("\(error)".contains("longer than the 30 s this client waits"), "\(error)")
        }
        XCTAssertEqual(server.chatRequests.count, 1, "no retry after a wait the client will not make")
    }

    func testRetryAfterAcceptsOnlyDigitsOrADate() {
        XCTAssertNil(RetryPolicy.retryAfterSeconds("inf"))
        XCTAssertNil(RetryPolicy.retryAfterSeconds("nan"))
        XCTAssertNil(RetryPolicy.retryAfterSeconds("-5"))
        XCTAssertNil(RetryPolicy.retryAfterSeconds("1e400"))
        XCTAssertNil(RetryPolicy.retryAfterSeconds("0x10"))
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("007"), 7)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds(String(repeating: "9", count: 40)), RetryPolicy.retryAfterCeiling)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("Fri, 31 Dec 9999 23:59:59 GMT"), RetryPolicy.retryAfterCeiling)
    }

    func testAbsurdTokenCountsAreDroppedNotSummedIntoAnOverflow() throws {
        let huge = #"{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"{\"a\":\"b\"}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":1e300}}"#
        let server = try LoopbackChatServer { _, _ in .rawBody(Data(huge.utf8)) }
        let exchange = try ask(Fixtures.client(server))
        XCTAssertEqual(exchange.reply.content, #"{"a":"b"}"#, "the reply itself is usable")
        XCTAssertNil(exchange.reply.usage, "counts no real reply has are dropped")
    }

    func testOutOfRangeSettingsAreRefusedBeforeUse() throws {
        var configuration = try VLMConfiguration(baseURL: "http://127.0.0.1:9/v1")
        XCTAssertNoThrow(try configuration.validate())
        for change: (inout VLMConfiguration) -> Void in [
            { $0.requestTimeout = .infinity }, { $0.requestTimeout = 1e300 }, { $0.temperature = .nan },
            { $0.topP = 5 }, { $0.maxTokens = Int.max }, { $0.connectTimeout = -1 },
        ] {
            var changed = configuration
            change(&changed)
            XCTAssertThrowsError(try changed.validate())
        }
        configuration.requestTimeout = 0.5
        XCTAssertNoThrow(try configuration.validate())
    }

    // MARK: The API key

    func testKeyEchoedInAnErrorIsRedacted() throws {
        // A proxy that quotes the request's headers in its error page.
        let server = try LoopbackChatServer { request, _ in
            .status(401, body: #"{"error":{"message":"invalid credentials: Authorization: \#(request.headers["authorization"] ?? "")"}}"#)
        }
        XCTAssertThrowsError(try ask(Fixtures.client(server, format: .none, apiKey: secret))) { error in
            XCTAssertFalse("\(error)".contains(secret), "\(error)")
            XCTAssertTrue("\(error)".contains("Bearer [redacted API key]"), "\(error)")
        }
    }

    func testKeyEchoedInAReplyIsRedacted() throws {
        let server = try LoopbackChatServer { request, _ in
            .chat(#"{"a":"your header was \#(request.headers["authorization"] ?? "")"}"#)
        }
        let exchange = try ask(Fixtures.client(server, apiKey: secret))
        XCTAssertFalse(exchange.reply.content.contains(secret), exchange.reply.content)
        XCTAssertTrue(exchange.reply.content.contains("[redacted API key]"), exchange.reply.content)
        XCTAssertEqual(server.chatRequests.first?.headers["authorization"], "Bearer \(secret)", "the request still carries it")
    }

    func testKeyWithALineBreakIsRefusedAndNeverSent() throws {
        let injected = "sk-abc\r\nX-Injected: yes"
        XCTAssertThrowsError(try VLMConfiguration(baseURL: "http://127.0.0.1:9/v1", apiKey: injected)) { error in
            XCTAssertTrue("\(error)".contains("line break"), "\(error)")
            XCTAssertFalse("\(error)".contains("sk-abc"), "the message does not quote the key")
        }
        XCTAssertThrowsError(try VLMConfiguration.resolve(endpoint: "http://127.0.0.1:9/v1", model: nil, environment: ["TBD_VLM_API_KEY": "sk-abc\nX: y"]))
        // Set after the configuration was made: refused at the request, which never leaves.
        let server = try LoopbackChatServer { _, _ in .chat(#"{"a":"b"}"#) }
        var configuration = Fixtures.configuration(server)
        configuration.apiKey = injected
        XCTAssertThrowsError(try ask(ChatClient(configuration: configuration, formatMemory: ResponseFormatMemory())))
        XCTAssertEqual(server.requests.count, 0)
    }

    // MARK: Endpoint URLs

    func testQueryStringStaysAtTheEndOfTheURL() throws {
        let server = try LoopbackChatServer { _, _ in .chat(#"{"a":"b"}"#) }
        for base in [server.baseURL + "?api-version=2024-06-01", server.baseURL + "/chat/completions?api-version=2024-06-01"] {
            var configuration = try VLMConfiguration(baseURL: base, model: "loopback-model")
            configuration.retry = RetryPolicy(maxAttempts: 1)
            XCTAssertEqual(configuration.chatURL, server.baseURL + "/chat/completions?api-version=2024-06-01")
            XCTAssertEqual(configuration.modelsURL, server.baseURL + "/models?api-version=2024-06-01")
            XCTAssertEqual(configuration.redactedBaseURL, server.baseURL, "the stored endpoint has no query")
            let client = ChatClient(configuration: configuration, formatMemory: ResponseFormatMemory())
            XCTAssertEqual(try client.listModels(), ["loopback-model"])
            _ = try ask(client)
        }
        XCTAssertEqual(server.chatRequests.map(\.path), Array(repeating: "/v1/chat/completions?api-version=2024-06-01", count: 2))
        XCTAssertEqual(server.requests.filter { $0.method == "GET" }.map(\.path), Array(repeating: "/v1/models?api-version=2024-06-01", count: 2))
    }
}
