import Foundation

/// The checked FACS knowledge base: codes, intensity scale, emotion prototypes, relations and sources.
public struct FACSTable: Sendable {
    public struct Source: Codable, Hashable, Sendable {
        public let id: String
        public let text: String
    }

    public struct IntensityMeaning: Codable, Hashable, Sendable {
        public let letter: FACSIntensity
        public let meaning: String
    }

    public struct SideMeaning: Codable, Hashable, Sendable {
        public let prefix: FACSSide
        public let meaning: String
    }

    public struct LevelMapping: Codable, Hashable, Sendable {
        public let level: EmotionLevel
        public let word: String
        /// The letter an AU without its own letter takes at this level.
        public let intensity: FACSIntensity
        /// How far a letter fixed by a prototype's source moves at this level.
        public let shift: Int
    }

    public struct Levels: Codable, Hashable, Sendable {
        public let choice: String
        public let list: [LevelMapping]
    }

    struct Document: Codable {
        let schemaVersion: Int
        let sources: [Source]
        let notes: [String]
        let intensityScale: [IntensityMeaning]
        let sides: [SideMeaning]
        let levels: Levels
        let codes: [FACSCode]
        let emotions: [EmotionPrototype]
        let relations: FACSRelations

        enum CodingKeys: String, CodingKey {
            case sources, notes, sides, levels, codes, emotions, relations
            case schemaVersion = "schema_version"
            case intensityScale = "intensity_scale"
        }
    }

    public static let supportedSchemaVersion = 1

    public let sources: [Source]
    public let notes: [String]
    public let intensityScale: [IntensityMeaning]
    public let sides: [SideMeaning]
    public let levels: Levels
    /// All codes, ascending.
    public let codes: [FACSCode]
    public let emotions: [EmotionPrototype]
    public let relations: FACSRelations
    private let codesByNumber: [Int: FACSCode]

    /// Decodes and checks a table; `origin` names the file in error messages.
    public init(data: Data, origin: String) throws {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch let error as DecodingError {
            throw FACSTableError(origin: origin, problem: Self.describe(error))
        } catch {
            throw FACSTableError(origin: origin, problem: "\(error)")
        }
        guard document.schemaVersion == Self.supportedSchemaVersion else {
            throw FACSTableError(
                origin: origin,
                problem: "schema_version \(document.schemaVersion) is not supported (expected \(Self.supportedSchemaVersion))")
        }
        var byNumber: [Int: FACSCode] = [:]
        for code in document.codes {
            if byNumber.updateValue(code, forKey: code.code) != nil {
                throw FACSTableError(origin: origin, problem: "code \(code.code) appears twice")
            }
        }
        sources = document.sources
        notes = document.notes
        intensityScale = document.intensityScale
        sides = document.sides
        levels = document.levels
        codes = document.codes.sorted { $0.code < $1.code }
        emotions = document.emotions
        relations = document.relations
        codesByNumber = byNumber
        let problems = consistencyProblems()
        if !problems.isEmpty {
            throw FACSTableError(origin: origin, problem: problems.joined(separator: "; "))
        }
    }

    /// Reads and checks a table file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FACSTableError(origin: url.path, problem: "cannot be read: \(error.localizedDescription)")
        }
        try self.init(data: data, origin: url.path)
    }

    /// The table compiled into this module from `Resources/facs.json`.
    public static func bundled() throws -> FACSTable {
        guard let data = EmbeddedResources.data(bundledPath) else {
            throw FACSTableError(origin: bundledPath, problem: "is not embedded in this build")
        }
        return try FACSTable(data: data, origin: bundledPath)
    }

    public static let bundledPath = "Resources/facs.json"

    // MARK: Lookup

    public func code(_ number: Int) -> FACSCode? { codesByNumber[number] }

    /// Codes whose official name or an alias equals `name`, ignoring case, hyphens and spacing.
    public func codes(named name: String) -> [FACSCode] {
        let wanted = Self.normalized(name)
        return codes.filter { code in
            Self.normalized(code.name) == wanted || code.aliases.contains { Self.normalized($0) == wanted }
        }
    }

    /// Codes that list `muscle` (matching a whole muscle entry or its name before the comma/parenthesis).
    public func codes(muscle: String) -> [FACSCode] {
        let wanted = Self.muscleKey(muscle)
        guard !wanted.isEmpty else { return [] }
        return codes.filter { code in
            code.muscles.contains { entry in Self.muscleKey(entry) == wanted || Self.muscleBaseName(entry) == wanted }
        }
    }

    /// Looks a code up by number ("12", "AU12") or by name, alias or muscle.
    public func resolve(_ query: String) -> [FACSCode] {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        var digits = Substring(trimmed.uppercased())
        if digits.hasPrefix("AU") { digits = digits.dropFirst(2).drop(while: { $0 == " " }) }
        if let number = Int(digits) { return code(number).map { [$0] } ?? [] }
        let byName = codes(named: trimmed)
        return byName.isEmpty ? codes(muscle: trimmed) : byName
    }

    /// Codes whose name, alias, muscle or appearance contains every word of `text`.
    public func search(_ text: String) -> [FACSCode] {
        let words = Self.normalized(text).split(separator: " ").map(String.init)
        guard !words.isEmpty else { return [] }
        return codes.filter { code in
            let haystack = Self.normalized(
                ([code.label, code.name, code.region, code.appearance] + code.aliases + code.muscles).joined(separator: " | "))
            return words.allSatisfy { haystack.contains($0) }
        }
    }

    /// The prototype for an emotion by its MEAD name, FACS noun or alias ("angry", "anger", "mad").
    public func emotion(_ name: String) -> EmotionPrototype? {
        let wanted = Self.normalized(name)
        return emotions.first { prototype in
            prototype.emotion == wanted || prototype.facsEmotion == wanted || prototype.aliases.contains(wanted)
        }
    }

    public func levelMapping(_ level: EmotionLevel) -> LevelMapping {
        levels.list.first { $0.level == level }!
    }

    /// The AUs the emotion activates at a level, with intensity letters under the project's level rule.
    public func expectedAUs(for prototype: EmotionPrototype, level: EmotionLevel, variant: PrototypeVariant? = nil) -> [ScoredAU] {
        let mapping = levelMapping(level)
        return (variant ?? prototype.defaultVariant).aus.map { au in
            var scored = au
            scored.intensity = au.intensity.map { $0.shifted(by: mapping.shift) } ?? mapping.intensity
            return scored
        }
    }

    // MARK: Checks

    /// Every cross-reference in the table names a real code; every emotion has exactly one default variant.
    func consistencyProblems() -> [String] {
        var problems: [String] = []
        func check(_ numbers: [Int], _ place: String) {
            for number in numbers where codesByNumber[number] == nil {
                problems.append("\(place) names unknown code \(number)")
            }
        }
        for prototype in emotions {
            let defaults = prototype.variants.filter(\.isDefault).count
            if defaults != 1 { problems.append("emotion \(prototype.emotion) has \(defaults) default variants (expected 1)") }
            for variant in prototype.variants {
                check(variant.aus.map(\.code), "emotion \(prototype.emotion) variant \(variant.id)")
            }
        }
        for group in relations.exclusive { check(group.codes, "exclusive group") }
        for group in relations.ordered { check(group.codes, "ordered group") }
        for pair in relations.opposing { check(pair.first + pair.second, "opposing pair") }
        for synergy in relations.synergies { check(synergy.codes, "synergy \(synergy.name)") }
        if Set(levels.list.map(\.level)) != Set(EmotionLevel.allCases) {
            problems.append("levels must map each of 1, 2 and 3 exactly once")
        }
        for code in codes where code.name.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append("code \(code.code) has no name")
        }
        return problems
    }

    // MARK: Text normalisation

    /// Lowercase, hyphens and underscores as spaces, runs of spaces collapsed.
    static func normalized(_ text: String) -> String {
        let mapped = text.lowercased().map { $0 == "-" || $0 == "_" ? " " : $0 }
        return String(mapped).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// A muscle entry as a lookup key: no "(relaxed)" marker, no punctuation, normalised spacing.
    static func muscleKey(_ muscle: String) -> String {
        let plain = muscle.replacingOccurrences(of: "(relaxed)", with: "")
            .map { ",()".contains($0) ? " " : $0 }
        return FACSTable.normalized(String(plain))
    }

    /// "orbicularis oculi, pars orbitalis" -> "orbicularis oculi"; "masseter (relaxed)" -> "masseter".
    static func muscleBaseName(_ muscle: String) -> String {
        let base = muscle.split(whereSeparator: { $0 == "," || $0 == "(" }).first.map(String.init) ?? muscle
        return normalized(base)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the top level" : String(keys.drop(while: { $0 == "." }))
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)' at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong or missing value at \(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context):
            return "invalid data at \(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
