import AnnotationRecord
import CoTFA
import Foundation
import LoopbackChatServer
import XCTest

final class ChatClientTests: XCTestCase {
    private let schema = try! JSONValue(parsing: Data(#"{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}"#.utf8))

    private func ask(_ client: ChatClient, _ text: String = "hello") throws -> ChatExchange {
        try client.complete([.system("be brief"), .user(text)], model: "loopback-model", schemaName: "test", schema: schema)
    }

    func testANotFoundNamesTheEndpointAndSuggestsTheModelOption() throws {
        let server = try LoopbackChatServer { _, _ in .status(404, body: #"{"error":"The model `loopback-model` does not exist."}"#) }
        XCTAssertThrowsError(try ask(Fixtures.client(server))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("http://127.0.0.1:\(server.port)/v1 answered HTTP 404"), text)
            XCTAssertTrue(text.contains("model 'loopback-model'") && text.contains("--vlm-model"), text)
        }
    }

    func testListsModelsFromTheServer() throws {
        let server = try LoopbackChatServer(responder: StageReplies.responder)
        server.modelIDs = ["Qwen/Qwen2-VL-7B-Instruct", "other"]
        XCTAssertEqual(try Fixtures.client(server).listModels(), ["Qwen/Qwen2-VL-7B-Instruct", "other"])
        XCTAssertEqual(server.requests.last?.method, "GET")
        XCTAssertEqual(server.requests.last?.path, "/v1/models")
    }

    func testRequestCarriesModelSamplingAndSchemaButNoExpectHeader() throws {
        let server = try LoopbackChatServer { _, _ in .chat(#"{"a":"b"}"#) }
        var configuration = Fixtures.configuration(server)
        configuration.seed = 7
        configuration.topP = 0.9
        configuration.maxTokens = 256
        let client = ChatClient(configuration: configuration, formatMemory: ResponseFormatMemory())
        // Over 1 MiB: the size at which libcurl would otherwise announce "Expect: 100-continue" and wait.
        let exchange = try ask(client, String(repeating: "x", count: 1_200_000))
        XCTAssertEqual(exchange.reply.content, #"{"a":"b"}"#)
        let request = try XCTUnwrap(server.chatRequests.first)
        XCTAssertNil(request.headers["expect"], "libcurl must not send Expect: 100-continue")
        XCTAssertEqual(request.headers["content-type"], "application/json")
        let body = try XCTUnwrap(request.json)
        XCTAssertEqual(body["model"] as? String, "loopback-model")
        XCTAssertEqual(body["temperature"] as? Double, 0)
        XCTAssertEqual(body["seed"] as? Int, 7)
        XCTAssertEqual(body["top_p"] as? Double, 0.9)
        XCTAssertEqual(body["max_tokens"] as? Int, 256)
        let format = try XCTUnwrap(body["response_format"] as? [String: Any])
        XCTAssertEqual(format["type"] as? String, "json_schema")
        let jsonSchema = try XCTUnwrap(format["json_schema"] as? [String: Any])
        XCTAssertEqual(jsonSchema["name"] as? String, "test")
        XCTAssertEqual((jsonSchema["schema"] as? [String: Any])?["required"] as? [String], ["a"])
    }

    func testAPIKeyGoesInTheHeaderOnlyAndNeverIntoRecords() throws {
        let server = try LoopbackChatServer { _, _ in .chat(#"{"a":"b"}"#) }
        let secret = "sk-test-0123456789-secret"
        let client = Fixtures.client(server, apiKey: secret)
        let exchange = try ask(client)
        XCTAssertEqual(server.chatRequests.first?.headers["authorization"], "Bearer \(secret)")
        XCTAssertFalse(String(decoding: server.chatRequests.first!.body, as: UTF8.self).contains(secret))
        XCTAssertFalse(exchange.requestRecord.contains(secret))
        XCTAssertFalse(client.configuration.description.contains(secret))
    }

    func testConnectionIsReusedAcrossRequests() throws {
        let server = try LoopbackChatServer { _, _ in .chat(#"{"a":"b"}"#) }
        let client = Fixtures.client(server)
        for _ in 0..<5 { _ = try ask(client) }
        XCTAssertEqual(server.chatRequests.count, 5)
        XCTAssertEqual(Set(server.chatRequests.map(\.connectionID)).count, 1, "all requests should share one connection")
    }

    func testRetriesServerErrorsWithGrowingBackoff() throws {
        let server = try LoopbackChatServer { _, index in index < 2 ? .status(503, body: "busy") : .chat(#"{"a":"b"}"#) }
        let sleeps = RecordedSleeps()
        let exchange = try ask(Fixtures.client(server, attempts: 4, sleeps: sleeps))
        XCTAssertEqual(exchange.attempts, 3)
        XCTAssertEqual(sleeps.all.count, 2)
        XCTAssertGreaterThan(sleeps.all[1], sleeps.all[0], "backoff grows between attempts")
    }

    func testHonoursRetryAfterOn429() throws {
        let server = try LoopbackChatServer { _, index in
            index == 0 ? .status(429, body: #"{"error":{"message":"slow down"}}"#, headers: ["Retry-After": "3"]) : .chat(#"{"a":"b"}"#)
        }
        let sleeps = RecordedSleeps()
        _ = try ask(Fixtures.client(server, sleeps: sleeps))
        XCTAssertEqual(sleeps.all, [3])
    }

    func testRetryAfterLongerThanTheLimitFailsClearly() throws {
        let server = try LoopbackChatServer { _, _ in .status(429, headers: ["Retry-After": "3600"]) }
        XCTAssertThrowsError(try ask(Fixtures.client(server))) { error in
            XCTAssertTrue("\(error)".contains("retry after 3600"), "\(error)")
        }
        XCTAssertEqual(server.chatRequests.count, 1)
    }

    func testResetConnectionIsRetriedOnANewConnection() throws {
        let server = try LoopbackChatServer { _, index in index == 0 ? .reset : .chat(#"{"a":"b"}"#) }
        let exchange = try ask(Fixtures.client(server))
        XCTAssertEqual(exchange.attempts, 2)
        XCTAssertEqual(server.connectionsAccepted, 2)
    }

    func testSlowServerTimesOutAndGivesUpAfterAllAttempts() throws {
        let server = try LoopbackChatServer { _, _ in .delayed(1.5, .chat(#"{"a":"b"}"#)) }
        var configuration = Fixtures.configuration(server, attempts: 2)
        configuration.requestTimeout = 0.3
        let client = ChatClient(configuration: configuration, formatMemory: ResponseFormatMemory(), sleep: { _ in })
        XCTAssertThrowsError(try ask(client)) { error in
            XCTAssertTrue("\(error)".contains("gave up after 2 attempts"), "\(error)")
            XCTAssertTrue("\(error)".contains("timed out"), "\(error)")
        }
    }

    func testMalformedResponseBodyIsRetriedThenReported() throws {
        let server = try LoopbackChatServer { _, _ in .rawBody(Data("<html>proxy error</html>".utf8)) }
        XCTAssertThrowsError(try ask(Fixtures.client(server, attempts: 2))) { error in
            XCTAssertTrue("\(error)".contains("unusable response body"), "\(error)")
        }
        XCTAssertEqual(server.chatRequests.count, 2)
    }

    func testHugeReplyFailsWithoutRetrying() throws {
        let huge = Data(repeating: 0x61, count: 9 << 20)
        let server = try LoopbackChatServer { _, _ in .rawBody(huge) }
        XCTAssertThrowsError(try ask(Fixtures.client(server))) { error in
            XCTAssertTrue("\(error)".contains("exceeded"), "\(error)")
        }
        XCTAssertEqual(server.chatRequests.count, 1)
    }

    func testAutoFormatStepsDownOnRefusalAndRemembersPerEndpoint() throws {
        // Refuses json_schema with 400, as servers without guided decoding do.
        let server = try LoopbackChatServer { request, _ in
            let format = (request.json?["response_format"] as? [String: Any])?["type"] as? String
            return format == "json_schema" ? .status(400, body: #"{"error":{"message":"response_format json_schema is not supported"}}"#) : .chat(#"{"a":"b"}"#)
        }
        let memory = ResponseFormatMemory()
        let client = Fixtures.client(server, memory: memory)
        let first = try ask(client)
        XCTAssertEqual(first.responseFormat, .jsonObjectSchema, "json_object with the schema is the next rung")
        let second = try ask(client)
        XCTAssertEqual(second.responseFormat, .jsonObjectSchema)
        let formats = server.chatRequests.map { ($0.json?["response_format"] as? [String: Any])?["type"] as? String }
        XCTAssertEqual(formats, ["json_schema", "json_object", "json_object"], "the second request starts at what worked")
    }

    func testA500NamingTheFormatStepsDownToNone() throws {
        let server = try LoopbackChatServer { request, _ in
            request.json?["response_format"] == nil ? .chat(#"{"a":"b"}"#) : .status(500, body: "guided decoding backend failed for response_format")
        }
        let exchange = try ask(Fixtures.client(server))
        XCTAssertEqual(exchange.responseFormat, ResponseFormatLevel.none)
        XCTAssertEqual(server.chatRequests.count, 4, "json_schema, json_object with the schema, json_object, none")
    }

    func testFixedFormatIsNeverSteppedDown() throws {
        let server = try LoopbackChatServer { _, _ in .status(422, body: "unsupported response_format") }
        XCTAssertThrowsError(try ask(Fixtures.client(server, format: .jsonSchema))) { error in
            XCTAssertTrue("\(error)".contains("HTTP 422"), "\(error)")
        }
        XCTAssertEqual(server.chatRequests.count, 1)
    }

    func testNoFormatSendsNoResponseFormat() throws {
        let server = try LoopbackChatServer { _, _ in .chat(#"{"a":"b"}"#) }
        _ = try ask(Fixtures.client(server, format: .none))
        XCTAssertNil(server.chatRequests.first?.json?["response_format"])
    }

    func testConcurrencyIsBounded() throws {
        let server = try LoopbackChatServer { _, _ in .delayed(0.1, .chat(#"{"a":"b"}"#)) }
        var configuration = Fixtures.configuration(server)
        configuration.maxConcurrentRequests = 2
        let client = ChatClient(configuration: configuration, formatMemory: ResponseFormatMemory())
        DispatchQueue.concurrentPerform(iterations: 6) { _ in _ = try? self.ask(client) }
        XCTAssertEqual(server.chatRequests.count, 6)
        XCTAssertLessThanOrEqual(server.connectionsAccepted, 2, "two handles, so at most two connections")
    }

    func testConfigurationFromFlagsAndEnvironment() throws {
        let environment = ["TBD_VLM_URL": "http://user:pw@gpu:8000/v1/", "TBD_VLM_MODEL": "Qwen/Qwen2-VL-7B-Instruct", "TBD_VLM_API_KEY": "k"]
        let fromEnvironment = try XCTUnwrap(try VLMConfiguration.resolve(endpoint: nil, model: nil, environment: environment))
        XCTAssertEqual(fromEnvironment.model, "Qwen/Qwen2-VL-7B-Instruct")
        XCTAssertEqual(fromEnvironment.apiKey, "k")
        XCTAssertEqual(fromEnvironment.redactedBaseURL, "http://gpu:8000/v1")
        let fromFlags = try XCTUnwrap(try VLMConfiguration.resolve(endpoint: "http://localhost:11434/v1/chat/completions", model: "llava", environment: environment))
        XCTAssertEqual(fromFlags.chatURL, "http://localhost:11434/v1/chat/completions")
        XCTAssertEqual(fromFlags.model, "llava")
        XCTAssertNil(try VLMConfiguration.resolve(endpoint: nil, model: nil, environment: [:]))
        XCTAssertThrowsError(try VLMConfiguration.resolve(endpoint: "ftp://x", model: nil, environment: [:]))
    }

    func testRetryAfterParsesSecondsAndDates() {
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("12"), 12)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let later = RetryPolicy.retryAfterSeconds("Tue, 14 Nov 2023 22:15:00 GMT", now: now)
        XCTAssertEqual(later ?? -1, 100, accuracy: 1)
        XCTAssertNil(RetryPolicy.retryAfterSeconds("soon"))
    }
}
