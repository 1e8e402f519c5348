import AnnotationRecord
import CCurl
import CoTFA
import FACSKnowledge
import Foundation
import LoopbackChatServer

// Benchmarks for the CoT-FA chat client against the loopback server (see scripts/bench/20-cotfa.sh):
//   cotfa-bench overhead [REQUESTS]                 client overhead per request against a raw libcurl loop
//   cotfa-bench throughput [ITEMS] [CONCURRENCY] [LATENCY_MS]   four-stage pipeline throughput vs the ideal

let reply = StageReplies.actionUnits

func overhead(requests: Int) throws {
    let server = try LoopbackChatServer { _, _ in .chat(reply) }
    defer { server.stop() }
    var configuration = try VLMConfiguration(baseURL: server.baseURL, model: "loopback-model")
    configuration.maxConcurrentRequests = 1
    let client = ChatClient(configuration: configuration)
    let schema = try StageTemplates.bundled().schema("stage2-action-units")
    let messages: [ChatMessage] = [.system("You are a FACS expert."), .user(String(repeating: "Which action units are active? ", count: 40))]
    // The baseline posts exactly the bytes the client sent, so both sides move the same data.
    _ = try client.complete(messages, model: "loopback-model", schemaName: "s", schema: schema)
    let body = String(decoding: server.chatRequests[0].body, as: UTF8.self)

    // Alternate rounds so drift in the machine's load hits both sides alike.
    var rawSeconds = 0.0, clientSeconds = 0.0
    let rounds = 10, perRound = max(1, requests / rounds)
    let raw = RawCurlLoop(url: server.baseURL + "/chat/completions")
    for _ in 0..<20 { _ = try raw.post(body); _ = try client.complete(messages, model: "loopback-model", schemaName: "s", schema: schema) }
    for _ in 0..<rounds {
        var start = Date()
        for _ in 0..<perRound { _ = try raw.post(body) }
        rawSeconds += Date().timeIntervalSince(start)
        start = Date()
        for _ in 0..<perRound {
            let exchange = try client.complete(messages, model: "loopback-model", schemaName: "s", schema: schema)
            precondition(exchange.reply.content == reply)
        }
        clientSeconds += Date().timeIntervalSince(start)
    }
    let total = Double(rounds * perRound)
    let rawMicros = rawSeconds / total * 1e6, clientMicros = clientSeconds / total * 1e6
    print(String(format: "requests: %d each side (loopback, connection reused)", Int(total)))
    print(String(format: "raw libcurl loop:   %8.1f us/request", rawMicros))
    print(String(format: "ChatClient.complete: %7.1f us/request (ratio %.2fx)", clientMicros, clientMicros / rawMicros))
    print(String(format: "client overhead:    %8.1f us/request (target < 1000)", clientMicros - rawMicros))
}

func throughput(items: Int, concurrency: Int, latency: Double) throws {
    let server = try LoopbackChatServer { request, _ in .delayed(latency, .chat(StageReplies.validContent(for: request))) }
    defer { server.stop() }
    var configuration = try VLMConfiguration(baseURL: server.baseURL, model: "loopback-model")
    configuration.maxConcurrentRequests = concurrency
    let pipeline = try CoTFAPipeline(table: try FACSTable.bundled(), backend: .remote(ChatClient(configuration: configuration)))
    try pipeline.connect()
    let inputs = (0..<items).map { index in
        AnnotationInput(
            subject: AnnotationSubject(sourcePath: "bench/\(index).jpg", description: "a woman in her thirties"),
            emotion: "happy", level: .moderate, mode: .cot,
            image: PortraitImage(jpeg: Data(repeating: 0x42, count: 30_000), width: 448, height: 448))
    }
    let start = Date()
    let results = pipeline.annotateAll(inputs, concurrency: concurrency)
    let seconds = Date().timeIntervalSince(start)
    let failures = results.filter { if case .failure = $0 { true } else { false } }.count
    let requests = Double(server.chatRequests.count)
    let ideal = Double(concurrency) / latency
    print(String(format: "items: %d, stages: %d requests, concurrency %d, server latency %.0f ms, failures %d", items, Int(requests), concurrency, latency * 1000, failures))
    print(String(format: "elapsed: %.2f s; throughput %.1f requests/s; ideal %.1f requests/s", seconds, requests / seconds, ideal))
    print(String(format: "fraction of ideal: %.3f (target >= 0.95)", requests / seconds / ideal))
}

/// The baseline: one easy handle, a fixed body, the response collected and nothing else.
final class RawCurlLoop {
    let handle = curl_easy_init()!
    let url: String
    private var headers: UnsafeMutablePointer<curl_slist>?

    init(url: String) {
        self.url = url
        headers = curl_slist_append(nil, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Expect:")
    }

    func post(_ body: String) throws -> Data {
        let sink = Sink()
        curl_easy_reset(handle)
        _ = tbd_curl_setopt_string(handle, CURLOPT_URL, url)
        _ = tbd_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = tbd_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
        _ = tbd_curl_setopt_long(handle, CURLOPT_POST, 1)
        _ = tbd_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.utf8.count))
        _ = tbd_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, body)
        _ = tbd_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            data!.withMemoryRebound(to: UInt8.self, capacity: size * count) { sink.data.append($0, count: size * count) }
            return size * count
        }
        _ = tbd_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
        let code = withExtendedLifetime(sink) { curl_easy_perform(handle) }
        guard code == CURLE_OK else { throw ServerError(String(cString: curl_easy_strerror(code))) }
        return sink.data
    }

    final class Sink { var data = Data() }
    struct ServerError: Error { let message: String; init(_ message: String) { self.message = message } }
}

let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "overhead":
    try overhead(requests: arguments.count > 2 ? Int(arguments[2]) ?? 2000 : 2000)
case "throughput":
    try throughput(
        items: arguments.count > 2 ? Int(arguments[2]) ?? 64 : 64,
        concurrency: arguments.count > 3 ? Int(arguments[3]) ?? 16 : 16,
        latency: (arguments.count > 4 ? Double(arguments[4]) ?? 200 : 200) / 1000)
default:
    FileHandle.standardError.write(Data("usage: cotfa-bench overhead [REQUESTS] | throughput [ITEMS] [CONCURRENCY] [LATENCY_MS]\n".utf8))
    exit(2)
}
