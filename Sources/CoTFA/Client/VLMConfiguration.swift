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
        self.apiKey = apiKey
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
        return components.string ?? baseURL
    }

    public var chatURL: String { baseURL + "/chat/completions" }
    public var modelsURL: String { baseURL + "/models" }

    public var description: String {
        "\(redactedBaseURL) model \(model ?? "(server default)")" + (apiKey == nil ? "" : " with API key from \(Self.apiKeyVariable)")
    }

    /// Accepts ".../v1", ".../v1/" and a full ".../v1/chat/completions"; requires http or https.
    static func normalizedBase(_ url: String) throws -> String {
        var base = url.trimmingCharacters(in: .whitespacesAndNewlines)
        while base.hasSuffix("/") { base.removeLast() }
        for suffix in ["/chat/completions", "/models"] where base.hasSuffix(suffix) {
            base.removeLast(suffix.count)
        }
        guard let components = URLComponents(string: base), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw ChatClientError.invalidConfiguration("'\(TerminalText.strip(url))' is not an http(s) URL such as http://localhost:8000/v1")
        }
        return base
    }
}
