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
}
