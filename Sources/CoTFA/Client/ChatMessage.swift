import ContentHashing
import Foundation

/// One turn of an OpenAI-compatible chat: plain text, or text with a JPEG image as a `data:` URI.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable, Codable { case system, user, assistant }

    public enum Part: Sendable, Equatable {
        case text(String)
        case jpeg(Data)
    }

    public var role: Role
    public var parts: [Part]

    public init(role: Role, parts: [Part]) {
        self.role = role
        self.parts = parts
    }

    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, parts: [.text(text)]) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, parts: [.text(text)]) }
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: .assistant, parts: [.text(text)]) }

    public var text: String {
        parts.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined(separator: "\n")
    }

    public var hasImage: Bool { parts.contains { if case .jpeg = $0 { true } else { false } } }

    /// The wire form: a plain string when the turn is text only (which every server accepts), content parts otherwise.
    /// `elideImages` replaces image bytes with their size, for the copy of a request kept in the store.
    func wireValue(elideImages: Bool = false) -> JSONValue {
        let content: JSONValue
        if !hasImage {
            content = .string(text)
        } else {
            content = .array(parts.map { part in
                switch part {
                case .text(let text):
                    return .object(["type": .string("text"), "text": .string(text)])
                case .jpeg(let data):
                    let url = elideImages
                        ? "data:image/jpeg;base64,<\(data.count) bytes, fnv1a64 \(FNV1a.hex64(data))>"
                        : "data:image/jpeg;base64," + data.base64EncodedString()
                    return .object(["type": .string("image_url"), "image_url": .object(["url": .string(url)])])
                }
            })
        }
        return .object(["role": .string(role.rawValue), "content": content])
    }
}
