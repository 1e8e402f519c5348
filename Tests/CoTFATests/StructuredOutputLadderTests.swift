import AnnotationRecord
import CoTFA
import Foundation
import LoopbackChatServer
import XCTest

/// The structured-output ladder: json_schema, json_object with the schema (llama.cpp), plain json_object, none;
/// a step down only on refusal, remembered per endpoint; and the forms a recognised server gets.
final class StructuredOutputLadderTests: XCTestCase {
    private let schema = try! JSONValue(parsing: Data(#"{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}"#.utf8))

    private func ask(_ client: ChatClient) throws -> ChatExchange {
        try client.complete([.system("be brief"), .user("hello")], model: "loopback-model", schemaName: "test", schema: schema)
    }

    private static func format(_ request: RecordedRequest) -> [String: Any]? { request.json?["response_format"] as? [String: Any] }

    /// Like llama-cpp-python: a 500 for json_schema, a grammar from the schema inside json_object.
    private static let llamaLike: LoopbackChatServer.Responder = { request, _ in
        switch format(request)?["type"] as? String {
        case "json_schema": .status(500, body: #"{"error":{"message":"Unsupported response_format type: json_schema"}}"#)
        default: .chat(#"{"a":"b"}"#)
        }
    }

    func testLlamaCppGetsTheSchemaInsideJSONObject() throws {
        let server = try LoopbackChatServer(responder: Self.llamaLike)
        let client = Fixtures.client(server)
        let first = try ask(client)
        XCTAssertEqual(first.responseFormat, .jsonObjectSchema)
        let second = try ask(client)
        XCTAssertEqual(second.responseFormat, .jsonObjectSchema, "remembered for the endpoint")
        let formats = server.chatRequests.map(Self.format)
        XCTAssertEqual(formats.map { $0?["type"] as? String }, ["json_schema", "json_object", "json_object"])
        let sent = try XCTUnwrap(formats[1]?["schema"] as? [String: Any])
        XCTAssertEqual(sent["required"] as? [String], ["a"], "the stage's schema travels inside json_object")
        XCTAssertNotNil(formats[2]?["schema"], "the second request starts where the first ended")
    }

    func testEachRefusalStepsDownOneRung() throws {
        // Refuses anything carrying a schema; accepts plain json_object.
        let server = try LoopbackChatServer { request, _ in
            let format = Self.format(request)
            return format?["schema"] != nil || format?["json_schema"] != nil ? .status(400, body: "bad request") : .chat(#"{"a":"b"}"#)
        }
        let exchange = try ask(Fixtures.client(server))
        XCTAssertEqual(exchange.responseFormat, .jsonObject)
        XCTAssertEqual(server.chatRequests.map { Self.format($0)?["schema"] != nil }, [false, true, false])
    }

    func testSuccessNeverStepsDown() throws {
        let server = try LoopbackChatServer { _, _ in .chat(#"{"a":"b"}"#) }
        let memory = ResponseFormatMemory()
        let exchange = try ask(Fixtures.client(server, memory: memory))
        XCTAssertEqual(exchange.responseFormat, .jsonSchema)
        XCTAssertNil(memory.level(for: server.baseURL + "|loopback-model"), "nothing to remember")
    }

    func testRecognisedVLLMGoesFromJSONSchemaToPlainJSONObject() throws {
        let server = try LoopbackChatServer { request, _ in
            Self.format(request)?["type"] as? String == "json_schema" ? .status(400, body: "structured outputs disabled") : .chat(#"{"a":"b"}"#)
        }
        server.modelOwner = "vllm"
        let client = Fixtures.client(server)
        XCTAssertEqual(client.serverKind, .generic)
        _ = try client.listModels()
        XCTAssertEqual(client.serverKind, .vllm)
        let exchange = try ask(client)
        XCTAssertEqual(exchange.responseFormat, .jsonObject)
        XCTAssertEqual(server.chatRequests.count, 2, "vLLM is not asked for the llama.cpp form")
        XCTAssertNil(Self.format(server.chatRequests[1])?["schema"])
    }

    func testServersAreRecognisedFromTheirModelList() throws {
        for (owner, kind) in [("vllm", ChatServerKind.vllm), ("llamacpp", .llamaCpp), ("library", .ollama), ("me", .generic)] {
            let server = try LoopbackChatServer(responder: StageReplies.responder)
            server.modelOwner = owner
            let client = Fixtures.client(server)
            _ = try client.listModels()
            XCTAssertEqual(client.serverKind, kind, owner)
        }
        XCTAssertEqual(ChatServerKind.ollama.ladder, [.jsonSchema, .jsonObject, .none])
        XCTAssertEqual(ChatServerKind.llamaCpp.ladder, [.jsonSchema, .jsonObjectSchema, .jsonObject, .none])
        let ollama = ChatClient(configuration: try VLMConfiguration(baseURL: "http://localhost:11434/v1"))
        XCTAssertEqual(ollama.serverKind, .ollama, "Ollama's port is enough before the model list is read")
    }

    func testFixedJSONObjectSchemaModeSendsOnlyThat() throws {
        let server = try LoopbackChatServer { _, _ in .chat(#"{"a":"b"}"#) }
        let exchange = try ask(Fixtures.client(server, format: .jsonObjectSchema))
        XCTAssertEqual(exchange.responseFormat, .jsonObjectSchema)
        XCTAssertEqual(server.chatRequests.count, 1)
        XCTAssertEqual(Self.format(server.chatRequests[0])?["type"] as? String, "json_object")
        XCTAssertNotNil(Self.format(server.chatRequests[0])?["schema"])
    }

    /// The issue's small model: without a grammar it echoes the schema's shape; with the schema inside json_object
    /// it answers. The four stages must finish.
    func testASmallModelBehindALlamaCppServerFinishesAllFourStages() throws {
        let server = try LoopbackChatServer { request, _ in
            let format = Self.format(request)
            if format?["type"] as? String == "json_schema" { return .status(500, body: "json_schema response_format is not supported") }
            if format?["schema"] == nil { return .chat(#"{"additionalProperties":false,"properties":{"age_range":{"type":"string"}}}"#) }
            return .chat(StageReplies.validContent(for: request))
        }
        let annotation = try Fixtures.pipeline(server).annotate(Fixtures.input(textOnly: true))
        XCTAssertEqual(annotation.stages.map(\.index), [1, 2, 3, 4])
        XCTAssertEqual(annotation.stages.map(\.responseFormat), Array(repeating: "json_object+schema", count: 4))
        XCTAssertEqual(annotation.aus.map(\.description), ["6C", "12C"])
    }
}
