/// The longest text each free-text field accepts, in characters, and the check that enforces them. All bounds
/// live here so the command line, the batch runner and the store refuse the same things.
///
/// Text reaches these fields from users, manifests and models; without a bound a 100 KB subject or prompt is
/// tokenised, stored, shown in the review queue and exported. The bounds are far above any real use: a CLIP
/// prompt is read only to 77 tokens (a few hundred characters).
public enum TextLimits {
    public static let subject = 2_000
    public static let prompt = 4_000
    public static let note = 4_000

    /// Throws `TextTooLong` naming `field` when `text` has more than `limit` characters.
    public static func check(_ text: String?, field: String, limit: Int) throws {
        guard let text else { return }
        // Counting UTF-8 first keeps the usual case cheap: characters never outnumber bytes.
        guard text.utf8.count > limit else { return }
        let length = text.count
        guard length <= limit else { throw TextTooLong(field: field, length: length, limit: limit) }
    }
}

/// A free-text field is longer than `TextLimits` allows.
public struct TextTooLong: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let length: Int
    public let limit: Int

    public init(field: String, length: Int, limit: Int) {
        self.field = field
        self.length = length
        self.limit = limit
    }

    public var description: String { "the \(field) is \(length) characters long; at most \(limit) are accepted" }
}

extension Annotation {
    /// The annotation's subject description and prompts within `TextLimits`.
    public func checkTextLimits() throws {
        try TextLimits.check(task.subject.description, field: "subject", limit: TextLimits.subject)
        try TextLimits.check(coarsePrompt, field: "coarse prompt", limit: TextLimits.prompt)
        try TextLimits.check(finePrompt, field: "fine prompt", limit: TextLimits.prompt)
    }
}
