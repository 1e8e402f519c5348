/// Prompt-ready wording of AUs taken from the table, never from a model: the fine prompt's building blocks.
public struct GroundedPhrases: Sendable {
    public let table: FACSTable

    public init(table: FACSTable) {
        self.table = table
    }

    /// "cheek raiser, lip corner puller": the AUs' names, lowercased, in order; unknown codes are left out.
    public func actionNames(_ aus: [ScoredAU]) -> String {
        aus.compactMap { table.code($0.code)?.name.lowercased() }.joined(separator: ", ")
    }

    /// One phrase per AU: "lip corner puller (AU12C, zygomaticus major)"; a side becomes a word ("right ...").
    public func phrases(_ aus: [ScoredAU]) -> [String] {
        aus.compactMap { au in
            guard let code = table.code(au.code) else { return nil }
            let side = au.side.map { sideWord($0) + " " } ?? ""
            let muscles = code.muscles.map(Self.plainMuscle).joined(separator: " and ")
            let notation = "AU\(au.code)\(au.intensity?.rawValue ?? "")"
            let detail = muscles.isEmpty ? notation : "\(notation), \(muscles)"
            return "\(side)\(code.name.lowercased()) (\(detail))"
        }
    }

    /// "zygomaticus major pulls the mouth corners up": what each AU's muscles do, from the table's appearance text.
    public func muscleMovements(_ aus: [ScoredAU]) -> [String] {
        aus.compactMap { au in
            guard let code = table.code(au.code), !code.muscles.isEmpty else { return nil }
            let muscles = code.muscles.map(Self.plainMuscle).joined(separator: " and ")
            return "\(muscles): \(Self.lowercasedFirst(code.appearance).trimmingCharacters(in: ["."]))"
        }
    }

    private func sideWord(_ side: FACSSide) -> String {
        switch side {
        case .left: "left"
        case .right: "right"
        case .unilateral: "one-sided"
        }
    }

    /// Drops qualifiers such as "(procerus)" detail kept in the table but noisy in a prompt; keeps "(relaxed)" meaning.
    static func plainMuscle(_ muscle: String) -> String {
        if muscle.hasSuffix("(relaxed)") {
            return "relaxed " + muscle.replacingOccurrences(of: " (relaxed)", with: "")
        }
        return muscle
    }

    static func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
