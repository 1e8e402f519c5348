/// What a FACS code describes: a muscle-based action unit, a gross behaviour (action descriptor),
/// a head movement or an eye movement.
public enum FACSCodeKind: String, Codable, Sendable, CaseIterable {
    case actionUnit = "action_unit"
    case actionDescriptor = "action_descriptor"
    case head
    case eye
}

/// One row of the FACS table.
public struct FACSCode: Codable, Hashable, Sendable {
    public let code: Int
    public let name: String
    public let kind: FACSCodeKind
    /// Face region the code acts on: brows, eyes, cheeks, nose, mouth, jaw, chin, neck, head or gaze.
    public let region: String
    /// Anatomical muscle names; "(relaxed)" marks an action produced by relaxing a muscle.
    public let muscles: [String]
    /// One sentence describing the visible change.
    public let appearance: String
    /// Other names the code goes by in the literature and in model replies.
    public let aliases: [String]
    /// Detectors that measure this code (for example "openface2").
    public let detectors: [String]

    /// "AU12" style label; head and eye codes are labelled the same way in FACS.
    public var label: String { "AU\(code)" }
}

/// Letter intensity A (trace) to E (maximum).
public enum FACSIntensity: String, Codable, Sendable, CaseIterable, Comparable {
    case a = "A", b = "B", c = "C", d = "D", e = "E"

    public var rank: Int { Self.allCases.firstIndex(of: self)! }

    /// The letter `steps` away, clamped to A...E.
    public func shifted(by steps: Int) -> FACSIntensity {
        let all = Self.allCases
        return all[min(max(rank + steps, 0), all.count - 1)]
    }

    public static func < (lhs: FACSIntensity, rhs: FACSIntensity) -> Bool { lhs.rank < rhs.rank }
}

/// Side prefix: L and R name the side, U says one-sided without naming it.
public enum FACSSide: String, Codable, Sendable, CaseIterable {
    case left = "L", right = "R", unilateral = "U"
}

/// An action unit as scored: a code with an optional side and intensity ("R12A").
public struct ScoredAU: Codable, Hashable, Sendable, CustomStringConvertible {
    public var code: Int
    public var side: FACSSide?
    public var intensity: FACSIntensity?

    public init(code: Int, side: FACSSide? = nil, intensity: FACSIntensity? = nil) {
        self.code = code
        self.side = side
        self.intensity = intensity
    }

    /// FACS notation: side prefix, number, intensity letter.
    public var description: String { "\(side?.rawValue ?? "")\(code)\(intensity?.rawValue ?? "")" }

    /// Reads exact FACS notation as `description` writes it ("6C", "R12A", "AU25"): an optional "AU", side
    /// prefix, one to three digits and an intensity letter. Anything else, free text included, is nil; free text
    /// goes through `AUTextParser`.
    public init?(notation: String) {
        var rest = Substring(notation.trimmingCharacters(in: .whitespaces))
        if rest.uppercased().hasPrefix("AU") { rest = rest.dropFirst(2) }
        var side: FACSSide?
        if let first = rest.first, let parsed = FACSSide(rawValue: String(first).uppercased()) {
            side = parsed
            rest = rest.dropFirst()
        }
        var intensity: FACSIntensity?
        if let last = rest.last, last.isLetter, let parsed = FACSIntensity(rawValue: String(last).uppercased()) {
            intensity = parsed
            rest = rest.dropLast()
        }
        guard (1...3).contains(rest.count), rest.allSatisfy({ $0.isASCII && $0.isNumber }), let code = Int(rest) else { return nil }
        self.init(code: code, side: side, intensity: intensity)
    }
}

extension ScoredAU {
    /// What separates the AUs of a notation list: white space, commas and "+". `AUTextParser` reads a text made
    /// only of notation with the same rule, so the FACS commands and the store agree on a list.
    public static func isNotationSeparator(_ character: Character) -> Bool {
        character.isWhitespace || character == "," || character == "+"
    }

    /// A list of AUs in notation, separated by spaces, commas or "+" ("6C 12C+25"); any other token is an error.
    public static func list(notation text: String) throws -> [ScoredAU] {
        try text.split(whereSeparator: isNotationSeparator).map { token in
            guard let au = ScoredAU(notation: String(token)) else { throw AUNotationError(written: String(token)) }
            return au
        }
    }
}

/// Literals in notation ("6C", "R12A") for fixed AU lists written in code; a literal that is not notation is a
/// programming error and stops at once.
extension ScoredAU: ExpressibleByStringLiteral {
    public init(stringLiteral notation: String) {
        guard let au = ScoredAU(notation: notation) else { preconditionFailure("'\(notation)' is not FACS notation") }
        self = au
    }
}
