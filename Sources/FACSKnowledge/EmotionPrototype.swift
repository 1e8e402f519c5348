/// Intensity of an emotion as MEAD records it (level 1-3) and as the paper words it.
public enum EmotionLevel: Int, Codable, Sendable, CaseIterable {
    case mild = 1, moderate = 2, intense = 3

    public var word: String {
        switch self {
        case .mild: "Mild"
        case .moderate: "Moderate"
        case .intense: "Intense"
        }
    }

    /// Accepts 1/2/3, "level_2", or the words Mild/Moderate/Intense in any case.
    public init?(parsing text: String) {
        let lowered = text.lowercased().trimmingCharacters(in: .whitespaces)
        let digits = lowered.hasPrefix("level_") ? String(lowered.dropFirst(6)) : lowered
        if let number = Int(digits), let level = EmotionLevel(rawValue: number) {
            self = level
        } else if let level = Self.allCases.first(where: { $0.word.lowercased() == lowered }) {
            self = level
        } else {
            return nil
        }
    }
}

/// One published AU combination for an emotion.
public struct PrototypeVariant: Codable, Hashable, Sendable {
    public let id: String
    public let aus: [ScoredAU]
    public let source: String
    public let isDefault: Bool
    public let note: String?

    enum CodingKeys: String, CodingKey {
        case id, aus, source, note
        case isDefault = "default"
    }
}

/// An emotion's prototype AU combinations, named as MEAD names the emotion.
public struct EmotionPrototype: Codable, Hashable, Sendable {
    public let emotion: String
    /// The FACS literature's noun for the emotion ("anger" for MEAD's "angry").
    public let facsEmotion: String
    public let aliases: [String]
    public let variants: [PrototypeVariant]

    enum CodingKeys: String, CodingKey {
        case emotion, aliases, variants
        case facsEmotion = "facs_emotion"
    }

    /// The variant the project uses unless told otherwise.
    public var defaultVariant: PrototypeVariant { variants.first(where: \.isDefault) ?? variants[0] }

    /// Every code that some variant of this emotion uses.
    public var allCodes: Set<Int> { Set(variants.flatMap { $0.aus.map(\.code) }) }
}
