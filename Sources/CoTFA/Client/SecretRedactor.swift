import Foundation

/// Removes the API key from whatever a server sends back before the client reads it, so a server (or proxy) that
/// echoes the `Authorization` header in an error or a reply cannot make the key reach the terminal, a log, the store
/// or a `cotfa-failed/` file: every path out of the client starts from the redacted bytes.
struct SecretRedactor: Sendable {
    static let replacement = "[redacted API key]"
    /// Shorter values are placeholders (Ollama wants "any non-empty value"), not secrets; replacing every "x" in a
    /// reply would destroy it.
    static let minimumSecretLength = 6

    private let forms: [Data]

    init(apiKey: String?) {
        guard let key = apiKey, key.count >= Self.minimumSecretLength else {
            forms = []
            return
        }
        // The key as sent, and as a JSON string would carry it (a "/" may come back as "\/").
        let escaped = key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let slashEscaped = escaped.replacingOccurrences(of: "/", with: "\\/")
        forms = Array(Set([key, escaped, slashEscaped])).map { Data($0.utf8) }.sorted { $0.count > $1.count }
    }

    var isActive: Bool { !forms.isEmpty }

    func redact(_ data: Data) -> Data {
        guard isActive else { return data }
        var output = data
        let replacement = Data(Self.replacement.utf8)
        for form in forms {
            var searchStart = output.startIndex
            while let range = output.range(of: form, in: searchStart..<output.endIndex) {
                output.replaceSubrange(range, with: replacement)
                searchStart = range.lowerBound + replacement.count
            }
        }
        return output
    }

    func redact(_ text: String) -> String {
        guard isActive else { return text }
        return String(decoding: redact(Data(text.utf8)), as: UTF8.self)
    }

    func redact(_ response: HTTPResponse) -> HTTPResponse {
        guard isActive else { return response }
        var clean = response
        clean.body = redact(response.body)
        clean.headers = response.headers.mapValues { redact($0) }
        return clean
    }

    func redact(_ error: HTTPTransportError) -> HTTPTransportError {
        guard isActive else { return error }
        return HTTPTransportError(kind: error.kind, detail: redact(error.detail))
    }
}
