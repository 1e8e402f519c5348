import FACSKnowledge

/// Scored AUs kept typed in memory and written as FACS notation ("6C", "R12A") in JSON, the form the store,
/// the exports and the command line have always used.
@propertyWrapper
public struct ScoredAUNotationList: Codable, Sendable, Equatable {
    public var wrappedValue: [ScoredAU]

    public init(wrappedValue: [ScoredAU]) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let notations = try container.decode([String].self)
        wrappedValue = try notations.map { notation in
            guard let au = ScoredAU(notation: notation) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(notation)' is not FACS notation")
            }
            return au
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.map(\.description))
    }
}
