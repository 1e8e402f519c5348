/// How much a finding matters: an error makes a set of AUs unusable as it stands.
public enum FindingSeverity: String, Codable, Sendable, Comparable, CaseIterable {
    case info, warning, error

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: FindingSeverity, rhs: FindingSeverity) -> Bool { lhs.rank < rhs.rank }
}

public enum FindingKind: String, Codable, Sendable {
    /// A code the table does not have.
    case unknownCode = "unknown_code"
    /// A core AU of the emotion's prototype that the set lacks.
    case missingCoreAU = "missing_core_au"
    /// An AU that no published prototype of the emotion uses.
    case unexpectedAU = "unexpected_au"
    /// Two codes that cannot be scored together.
    case exclusiveCodes = "exclusive_codes"
    /// Two actions that work against each other and no prototype of the emotion pairs.
    case opposingActions = "opposing_actions"
    /// An intensity letter away from what the level implies.
    case intensityMismatch = "intensity_mismatch"
    /// A head or eye code, or a gross behaviour, which carries no emotion in the prototypes.
    case nonEmotionCode = "non_emotion_code"
    /// A muscle that names several AUs.
    case ambiguousMention = "ambiguous_mention"
    /// An emotion name the table does not know.
    case unknownEmotion = "unknown_emotion"
    /// A muscle named for an AU that the table does not list for it.
    case muscleMismatch = "muscle_mismatch"
    /// A later stage or a prompt that mentions an AU the action-unit analysis did not find.
    case auNotInAnalysis = "au_not_in_analysis"
    /// A prompt shortened to fit the text encoder's token budget.
    case promptOverBudget = "prompt_over_budget"
    /// A model reply that needed repair or was cut short.
    case modelReply = "model_reply"
}

/// One typed result of checking AUs against the table.
public struct Finding: Codable, Hashable, Sendable, CustomStringConvertible {
    public let severity: FindingSeverity
    public let kind: FindingKind
    public let codes: [Int]
    public let message: String

    public init(severity: FindingSeverity, kind: FindingKind, codes: [Int], message: String) {
        self.severity = severity
        self.kind = kind
        self.codes = codes
        self.message = message
    }

    public var description: String { "\(severity.rawValue): \(message)" }
}

/// Checks a set of AUs against the table's relations and, when given, an emotion's prototypes at a level.
public struct AUSetValidator: Sendable {
    public let table: FACSTable

    public init(table: FACSTable) {
        self.table = table
    }

    /// Parses `text` and validates what it names, unknown codes and ambiguous muscles included.
    public func validate(text: String, emotion: String? = nil, level: EmotionLevel? = nil) -> [Finding] {
        let parsed = AUTextParser(table: table).parse(text)
        var findings = parsed.unknown.map {
            Finding(severity: .error, kind: .unknownCode, codes: [$0.code], message: "\($0.text): \($0.reason)")
        }
        findings += parsed.ambiguous.map {
            Finding(severity: .info, kind: .ambiguousMention, codes: $0.candidates, message: $0.reason)
        }
        return findings + validate(parsed.aus, emotion: emotion, level: level)
    }

    public func validate(_ aus: [ScoredAU], emotion: String? = nil, level: EmotionLevel? = nil) -> [Finding] {
        var findings: [Finding] = []
        let known = aus.filter { table.code($0.code) != nil }
        for au in aus where table.code(au.code) == nil {
            findings.append(Finding(
                severity: .error, kind: .unknownCode, codes: [au.code], message: AUTextParser.unknownReason(au.code)))
        }
        let present = Set(known.map(\.code))

        var prototype: EmotionPrototype?
        if let emotion {
            prototype = table.emotion(emotion)
            if prototype == nil {
                let names = table.emotions.map(\.emotion).joined(separator: ", ")
                findings.append(Finding(
                    severity: .error, kind: .unknownEmotion, codes: [],
                    message: "unknown emotion '\(emotion)' (known: \(names))"))
            }
        }
        let sanctioned = prototype.map { proto in proto.variants.map { Set($0.aus.map(\.code)) } } ?? []

        for group in table.relations.exclusive {
            let hit = group.codes.filter(present.contains)
            if hit.count > 1 {
                findings.append(Finding(
                    severity: .error, kind: .exclusiveCodes, codes: hit,
                    message: "\(labels(hit)) exclude each other: \(group.reason)"))
            }
        }
        for pair in table.relations.opposing {
            let first = pair.first.filter(present.contains)
            let second = pair.second.filter(present.contains)
            guard !first.isEmpty, !second.isEmpty else { continue }
            let both = Set(first + second)
            // A combination that a published prototype of this emotion contains is expected, not a contradiction.
            if sanctioned.contains(where: { both.isSubset(of: $0) }) { continue }
            findings.append(Finding(
                severity: .warning, kind: .opposingActions, codes: first + second,
                message: "\(labels(first)) against \(labels(second)): \(pair.reason)"))
        }
        for au in known {
            guard let code = table.code(au.code), code.kind != .actionUnit else { continue }
            findings.append(Finding(
                severity: .info, kind: .nonEmotionCode, codes: [au.code],
                message: "AU\(au.code) (\(code.name)) is a \(code.kind.rawValue.replacingOccurrences(of: "_", with: " ")) code and carries no emotion in the prototypes"))
        }

        guard let prototype else { return findings }
        let allowed = prototype.allCodes
        let expected = table.expectedAUs(for: prototype, level: level ?? .moderate)
        let coreAcrossVariants = prototype.variants.map { Set($0.aus.map(\.code)) }.reduce(allowed) { $0.intersection($1) }
        for core in expected where !present.contains(core.code) {
            // A code missing from one variant but absent in another is a choice between variants, not a gap.
            let severity: FindingSeverity = coreAcrossVariants.contains(core.code) ? .warning : .info
            let name = table.code(core.code)?.name ?? ""
            findings.append(Finding(
                severity: severity, kind: .missingCoreAU, codes: [core.code],
                message: "\(prototype.emotion) usually shows AU\(core.code) (\(name)), which is missing"))
        }
        for au in known where !allowed.contains(au.code) && table.code(au.code)?.kind == .actionUnit {
            let name = table.code(au.code)?.name ?? ""
            let usual = prototype.defaultVariant.aus.map(\.description).joined(separator: "+")
            findings.append(Finding(
                severity: .warning, kind: .unexpectedAU, codes: [au.code],
                message: "AU\(au.code) (\(name)) is not part of any published \(prototype.emotion) prototype (\(usual.isEmpty ? "no active AU" : usual))"))
        }
        if let level {
            for au in known {
                guard let letter = au.intensity, let target = expected.first(where: { $0.code == au.code })?.intensity else { continue }
                if abs(letter.rank - target.rank) >= 2 {
                    findings.append(Finding(
                        severity: .info, kind: .intensityMismatch, codes: [au.code],
                        message: "\(au) is far from \(level.word) (\(target.rawValue) expected for AU\(au.code))"))
                }
            }
        }
        return findings
    }

    private func labels(_ codes: [Int]) -> String { codes.map { "AU\($0)" }.joined(separator: "+") }
}
