import Foundation
import Logging

/// A client for OpenAI-compatible `chat/completions` servers (vLLM serving Qwen2-VL, Ollama's `/v1`, llama.cpp).
/// Blocking calls, safe from many threads at once; the transport bounds how many run concurrently.
public final class ChatClient: @unchecked Sendable {
    public let configuration: VLMConfiguration
    private let transport: HTTPTransport
    private let formatMemory: ResponseFormatMemory
    private let logger: Logger
    private let sleep: @Sendable (TimeInterval) -> Void
    private let unitRandom: @Sendable () -> Double
    private let redactor: SecretRedactor
    private let kindLock = NSLock()
    private var recognisedKind: ChatServerKind

    public init(
        configuration: VLMConfiguration,
        transport: HTTPTransport? = nil,
        formatMemory: ResponseFormatMemory = .shared,
        logger: Logger = Logger(label: "tbd.cotfa.chat"),
        sleep: @escaping @Sendable (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) },
        unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.configuration = configuration
        self.transport = transport ?? CurlTransport(maxConcurrentRequests: configuration.maxConcurrentRequests)
        self.formatMemory = formatMemory
        self.logger = logger
        self.sleep = sleep
        self.unitRandom = unitRandom
        redactor = SecretRedactor(apiKey: configuration.apiKey)
        recognisedKind = ChatServerKind.recognise(modelOwners: [], baseURL: configuration.baseURL)
    }

    /// The server software as recognised from the port and, after `listModels`, the model list; it decides the
    /// structured-output ladder.
    public var serverKind: ChatServerKind { kindLock.withLock { recognisedKind } }

    /// `GET {base}/models`: checks that the endpoint answers and returns the model ids it serves.
    public func listModels() throws -> [String] {
        let request = HTTPRequest(
            method: .get, url: configuration.modelsURL, headers: try commonHeaders(),
            connectTimeout: configuration.connectTimeout, totalTimeout: min(configuration.requestTimeout, 30),
            maxResponseBytes: configuration.maxResponseBytes)
        let (response, _, _) = try sendWithRetries(request, formatLevel: nil)
        guard (200..<300).contains(response.status) else {
            throw ChatClientError.http(status: response.status, body: ChatClientError.excerpt(response.body),
                                       url: configuration.redactedBaseURL, model: configuration.model)
        }
        guard let json = try? JSONValue(parsing: response.body), case .array(let models)? = json["data"] else {
            throw ChatClientError.malformedResponse("GET models did not return a model list: " + ChatClientError.excerpt(response.body))
        }
        let kind = ChatServerKind.recognise(modelOwners: models.compactMap { $0["owned_by"]?.stringValue }, baseURL: configuration.baseURL)
        kindLock.withLock { recognisedKind = kind }
        if kind != .generic { logger.debug("the endpoint looks like \(kind.rawValue)") }
        return models.compactMap { $0["id"]?.stringValue }
    }

    /// Sends one chat turn. With the `auto` response format a refusal steps down the server's ladder
    /// (`json_schema`, `json_object` with the schema, plain `json_object`, none; see `ChatServerKind.ladder`) and
    /// the endpoint remembers the level that worked; the caller always validates what comes back.
    public func complete(_ messages: [ChatMessage], model: String, schemaName: String, schema: JSONValue?) throws -> ChatExchange {
        let memoryKey = configuration.redactedBaseURL + "|" + model
        let kind = serverKind
        let firstLevel = startingLevel(memoryKey: memoryKey, hasSchema: schema != nil, kind: kind)
        var level = firstLevel
        let startedAt = Date()
        var attempts = 0
        while true {
            let body = requestBody(messages, model: model, level: level, schemaName: schemaName, schema: schema, elideImages: false)
            let request = HTTPRequest(
                method: .post, url: configuration.chatURL, headers: try commonHeaders() + ["Content-Type: application/json"],
                body: body, connectTimeout: configuration.connectTimeout, totalTimeout: configuration.requestTimeout,
                maxResponseBytes: configuration.maxResponseBytes)
            let (response, tries, decoded) = try sendWithRetries(request, formatLevel: level)
            attempts += tries
            if (200..<300).contains(response.status) {
                let reply = try decoded ?? ChatReply.decode(response.body)
                // Remembered only once a lower level worked, so an unrelated 400 does not demote the endpoint.
                if level < firstLevel { formatMemory.stepDown(memoryKey, to: level) }
                let hasImage = messages.contains(where: \.hasImage)
                let record = hasImage
                    ? requestBody(messages, model: model, level: level, schemaName: schemaName, schema: schema, elideImages: true) : body
                return ChatExchange(
                    reply: reply, requestRecord: String(decoding: record, as: UTF8.self), responseFormat: level,
                    attempts: attempts, latency: Date().timeIntervalSince(startedAt), startedAt: startedAt)
            }
            if configuration.responseFormat == .auto, let lower = kind.lower(than: level),
               Self.isFormatRefusal(status: response.status, body: response.body) {
                logger.info("endpoint refused response_format \(level); stepping down to \(lower)")
                level = lower
                continue
            }
            throw ChatClientError.http(status: response.status, body: ChatClientError.excerpt(response.body),
                                       url: configuration.redactedBaseURL, model: model)
        }
    }

    /// The request body; keys sorted so identical requests are identical bytes.
    func requestBody(
        _ messages: [ChatMessage], model: String, level: ResponseFormatLevel, schemaName: String, schema: JSONValue?, elideImages: Bool
    ) -> Data {
        var fields: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(messages.map { $0.wireValue(elideImages: elideImages) }),
            "temperature": .number(configuration.temperature),
            "stream": .bool(false),
        ]
        if let topP = configuration.topP { fields["top_p"] = .number(topP) }
        if let maxTokens = configuration.maxTokens { fields["max_tokens"] = .number(Double(maxTokens)) }
        if let seed = configuration.seed { fields["seed"] = .number(Double(seed)) }
        if let format = level.wireValue(schemaName: schemaName, schema: schema) { fields["response_format"] = format }
        return Data(JSONValue.object(fields).compactBytes)
    }

    private func startingLevel(memoryKey: String, hasSchema: Bool, kind: ChatServerKind) -> ResponseFormatLevel {
        let configured: ResponseFormatLevel
        switch configuration.responseFormat {
        case .auto: configured = formatMemory.level(for: memoryKey) ?? kind.ladder[0]
        case .jsonSchema: configured = .jsonSchema
        case .jsonObjectSchema: configured = .jsonObjectSchema
        case .jsonObject: configured = .jsonObject
        case .none: configured = .none
        }
        return configured > .jsonObject && !hasSchema ? .jsonObject : configured
    }

    /// Checked at every request, not only when the configuration was made: `apiKey` is a settable field.
    private func commonHeaders() throws -> [String] {
        var headers = ["Accept: application/json"]
        if let key = configuration.apiKey {
            try VLMConfiguration.checkAPIKey(key)
            headers.append("Authorization: Bearer \(key)")
        }
        return headers
    }

    /// Sends until the answer is final: retries transport failures, 408, 429 and 5xx (unless the 5xx is a
    /// response-format refusal that the caller handles), waiting out `Retry-After` or an exponential backoff.
    /// Returns the final response, the attempts it took, and for a successful chat request its decoded reply.
    private func sendWithRetries(_ request: HTTPRequest, formatLevel: ResponseFormatLevel?) throws -> (HTTPResponse, Int, ChatReply?) {
        let policy = configuration.retry
        var attempt = 0
        while true {
            attempt += 1
            let lastChance = attempt >= policy.maxAttempts
            let response: HTTPResponse
            do {
                // Everything the client reads from here on (errors, replies, headers) has the key taken out.
                response = redactor.redact(try transport.send(request))
            } catch let raw as HTTPTransportError {
                let error = redactor.redact(raw)
                guard error.isTransient, !lastChance else {
                    throw attempt > 1 ? ChatClientError.gaveUp(attempts: attempt, last: error.description) : ChatClientError.transport(error)
                }
                let delay = policy.backoff(afterAttempt: attempt, unitRandom: unitRandom())
                logger.debug("attempt \(attempt) failed (\(error)); retrying in \(String(format: "%.2f", delay)) s")
                sleep(delay)
                continue
            }
            let status = response.status
            let refusal = configuration.responseFormat == .auto && (formatLevel.map { $0 > .none } ?? false)
                && Self.isFormatRefusal(status: status, body: response.body)
            let retryable = status == 408 || status == 429 || (500...599).contains(status)
            let decoded = (200..<300).contains(status) && request.method == .post ? try? ChatReply.decode(response.body) : nil
            let malformedSuccess = (200..<300).contains(status) && request.method == .post && decoded == nil
            guard (retryable && !refusal) || malformedSuccess else { return (response, attempt, decoded) }
            let problem = malformedSuccess ? "unusable response body" : "HTTP \(status)"
            guard !lastChance else {
                throw ChatClientError.gaveUp(
                    attempts: attempt, last: "\(problem): \(ChatClientError.excerpt(response.body))")
            }
            var delay = policy.backoff(afterAttempt: attempt, unitRandom: unitRandom())
            if let header = response.headers["retry-after"], let seconds = RetryPolicy.retryAfterSeconds(header) {
                guard seconds <= policy.maxRetryAfter else {
                    throw ChatClientError.retryAfterTooLong(seconds: seconds, limit: policy.maxRetryAfter)
                }
                delay = seconds
            }
            logger.debug("attempt \(attempt): \(problem); retrying in \(String(format: "%.2f", delay)) s")
            sleep(delay)
        }
    }

    /// Servers refuse an unsupported `response_format` with 400 or 422, and some with a 500 that names it.
    static func isFormatRefusal(status: Int, body: Data) -> Bool {
        if status == 400 || status == 422 { return true }
        guard status == 500 else { return false }
        let text = String(decoding: body.prefix(4096), as: UTF8.self).lowercased()
        return ["response_format", "json_schema", "json schema", "guided", "grammar"].contains { text.contains($0) }
    }
}
