import Foundation

/// The server software behind an endpoint, as far as its model list shows; it decides which structured-output
/// forms the client tries, in which order (see docs/cotfa.md, "Structured output").
public enum ChatServerKind: String, Sendable, CaseIterable {
    /// Any other OpenAI-compatible server, llama-cpp-python included (its model list says `owned_by: "me"`).
    case generic
    /// vLLM: `owned_by: "vllm"`.
    case vllm
    /// llama.cpp's own `llama-server`: `owned_by: "llamacpp"`.
    case llamaCpp = "llama.cpp"
    /// Ollama's `/v1`: `owned_by` is the model's namespace ("library" for its own models), or the default port 11434.
    case ollama

    /// The levels `auto` tries, strictest first. vLLM and Ollama translate `json_schema` into their own
    /// constrained decoding (vLLM's structured outputs, Ollama's native `format` with the schema) and have no use
    /// for the schema inside `json_object`; llama.cpp servers and unknown ones get every step.
    public var ladder: [ResponseFormatLevel] {
        switch self {
        case .vllm, .ollama: [.jsonSchema, .jsonObject, .none]
        case .llamaCpp, .generic: [.jsonSchema, .jsonObjectSchema, .jsonObject, .none]
        }
    }

    /// The next level down from `level` on this server, or nil at the bottom.
    public func lower(than level: ResponseFormatLevel) -> ResponseFormatLevel? {
        ladder.first { $0 < level }
    }

    /// Reads the `owned_by` of the models a `GET {base}/models` listed, and the endpoint's port.
    static func recognise(modelOwners: [String], baseURL: String) -> ChatServerKind {
        let owners = Set(modelOwners.map { $0.lowercased() })
        if owners.contains("vllm") { return .vllm }
        if owners.contains("llamacpp") || owners.contains("llama.cpp") { return .llamaCpp }
        if owners.contains("ollama") || owners.contains("library") || URLComponents(string: baseURL)?.port == 11434 {
            return .ollama
        }
        return .generic
    }
}
