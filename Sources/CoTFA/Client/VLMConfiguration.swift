import SafeText
import Foundation

/// How to reach a vision-language model over the OpenAI-compatible API, and how to ask it.
/// The API key is held only in memory: it is not encodable and never appears in `description`.
public struct VLMConfiguration: Sendable, CustomStringConvertible {
    /// The API base, for example "http://localhost:8000/v1"; `chat/completions` and `models` hang off it.
    public var baseURL: String
    /// The model to ask for; nil asks the server (`GET {base}/models`) and uses the first it lists.
    public var model: String?
    public var apiKey: String?
    public var temperature: Double = 0
    public var topP: Double?
    public var maxTokens: Int? = 1024
    public var seed: Int?
    public var responseFormat: ResponseFormatMode = .auto
    public var connectTimeout: TimeInterval = 10
    public var requestTimeout: TimeInterval = 180
    public var retry = RetryPolicy()
    public var maxConcurrentRequests = 4
    public var maxResponseBytes = 8 << 20

    public init(baseURL: String, model: String? = nil, apiKey: String? = nil) throws {
        self.baseURL = try Self.normalizedBase(baseURL)
        self.model = model
        try Self.checkAPIKey(apiKey)
        self.apiKey = apiKey
    }

    /// A key goes into a header line: CR or LF in it would end the line and inject headers of the key holder's
    /// choosing, so any control character is refused. The message never quotes the key.
    static func checkAPIKey(_ key: String?) throws {
        guard let key else { return }
        if key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ChatClientError.invalidConfiguration(
                "the API key in \(apiKeyVariable) contains a line break or another control character; refusing to send it")
        }
    }

    /// Checks every number that came from outside (flags, environment) before it is converted or sent:
    /// a NaN, infinite or absurd value is an error naming the setting, not a trap or a silent clamp.
    public func validate() throws {
        func refuse(_ setting: String, _ value: String, _ range: String) -> ChatClientError {
            .invalidConfiguration("\(setting) must be \(range), not \(value)")
        }
        guard temperature.isFinite, (0...2).contains(temperature) else { throw refuse("temperature", "\(temperature)", "between 0 and 2") }
        if let topP, !(topP.isFinite && topP > 0 && topP <= 1) { throw refuse("top_p", "\(topP)", "in (0, 1]") }
        if let maxTokens, !(1...1_000_000).contains(maxTokens) { throw refuse("max_tokens", "\(maxTokens)", "between 1 and 1000000") }
        guard requestTimeout.isFinite, requestTimeout > 0, requestTimeout <= 86_400 else {
            throw refuse("the request timeout", "\(requestTimeout)", "between 0 and 86400 seconds")
        }
        guard connectTimeout.isFinite, connectTimeout > 0, connectTimeout <= 86_400 else {
            throw refuse("the connect timeout", "\(connectTimeout)", "between 0 and 86400 seconds")
        }
        guard (1...256).contains(maxConcurrentRequests) else {
            throw refuse("the concurrent request limit", "\(maxConcurrentRequests)", "between 1 and 256")
        }
        try Self.checkAPIKey(apiKey)
    }

    public static let urlVariable = "TBD_VLM_URL"
    public static let modelVariable = "TBD_VLM_MODEL"
    public static let apiKeyVariable = "TBD_VLM_API_KEY"

    /// Flags win over the environment; with neither an endpoint flag nor `TBD_VLM_URL` there is no endpoint (nil),
    /// and the offline reasoner is used. The key comes from `TBD_VLM_API_KEY` only, never from a flag,
    /// so it cannot end up in shell history or process listings.
    public static func resolve(endpoint: String?, model: String?, environment: [String: String]) throws -> VLMConfiguration? {
        func nonEmpty(_ value: String?) -> String? {
            guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        guard let url = nonEmpty(endpoint) ?? nonEmpty(environment[urlVariable]) else { return nil }
        return try VLMConfiguration(
            baseURL: url, model: nonEmpty(model) ?? nonEmpty(environment[modelVariable]),
            apiKey: nonEmpty(environment[apiKeyVariable]))
    }

    /// The endpoint as it may be stored and shown: user and password in the URL removed, query dropped.
    public var redactedBaseURL: String {
        guard var components = URLComponents(string: baseURL) else { return baseURL }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? baseURL
    }

    /// The routes hang off the base's path; a query (Azure's `?api-version=...`) stays at the end of the URL.
    public var chatURL: String { url(appending: "/chat/completions") }
    public var modelsURL: String { url(appending: "/models") }

    private func url(appending route: String) -> String {
        guard var components = URLComponents(string: baseURL) else { return baseURL + route }
        components.percentEncodedPath += route
        return components.string ?? baseURL + route
    }

    public var description: String {
        "\(redactedBaseURL) model \(model ?? "(server default)")" + (apiKey == nil ? "" : " with API key from \(Self.apiKeyVariable)")
    }

    /// Accepts ".../v1", ".../v1/" and a full ".../v1/chat/completions", each with or without a query
    /// (".../deployments/d?api-version=2024-06-01"); requires http or https. The path is trimmed, the query kept.
    static func normalizedBase(_ url: String) throws -> String {
        let trimmed = url.trimmingCharacters(in: .whitespacesAndNewlines)
        guard var components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw ChatClientError.invalidConfiguration("'\(TerminalText.strip(url))' is not an http(s) URL such as http://localhost:8000/v1")
        }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        for suffix in ["/chat/completions", "/models"] where path.hasSuffix(suffix) {
            path.removeLast(suffix.count)
        }
        while path.hasSuffix("/") { path.removeLast() }
        components.percentEncodedPath = path
        components.fragment = nil
        if components.percentEncodedQuery?.isEmpty == true { components.percentEncodedQuery = nil }
        guard let base = components.string else {
            throw ChatClientError.invalidConfiguration("'\(TerminalText.strip(url))' is not an http(s) URL such as http://localhost:8000/v1")
        }
        return base
    }
}
