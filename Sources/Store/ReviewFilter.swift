/// Which annotations a list, a claim or the terminal queue looks at. Nil fields do not filter.
public struct ReviewFilter: Codable, Sendable, Equatable {
    /// Nil means every status.
    public var status: ReviewStatus?
    public var emotion: String?
    public var level: Int?
    public var actor: String?
    public var backend: String?
    /// True: only items with a warning or an error finding; false: only items without.
    public var hasFindings: Bool?
    /// True: only items whose curators disagreed and that wait for a reviewer; false: only items without such a
    /// conflict. Nil: a curator's queue leaves conflicts out, lists show everything.
    public var conflict: Bool?

    public init(
        status: ReviewStatus? = .pending, emotion: String? = nil, level: Int? = nil, actor: String? = nil,
        backend: String? = nil, hasFindings: Bool? = nil, conflict: Bool? = nil
    ) {
        self.status = status
        self.emotion = emotion
        self.level = level
        self.actor = actor
        self.backend = backend
        self.hasFindings = hasFindings
        self.conflict = conflict
    }

    public static let pending = ReviewFilter()

    public static let keys = ["status", "emotion", "level", "actor", "backend", "findings", "conflict"]

    /// Reads "emotion=happy level=3 actor=M003 status=any findings=yes backend=openai-chat"; an empty text is the
    /// pending queue. Unknown keys and bad values are errors that name what is accepted.
    public static func parse(_ text: String) throws -> ReviewFilter {
        var filter = ReviewFilter()
        for token in text.split(whereSeparator: \.isWhitespace) {
            let pair = token.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, !pair[1].isEmpty else {
                throw StoreError.invalidInput("filter terms look like key=value (keys: \(keys.joined(separator: ", ")))")
            }
            let value = pair[1]
            switch pair[0].lowercased() {
            case "status":
                if value == "any" || value == "all" {
                    filter.status = nil
                } else if let status = ReviewStatus(rawValue: value.lowercased()) {
                    filter.status = status
                } else {
                    throw StoreError.invalidInput("status must be pending, approved, rejected or any")
                }
            case "emotion": filter.emotion = value.lowercased()
            case "level":
                guard let level = Int(value), (1...3).contains(level) else {
                    throw StoreError.invalidInput("level must be 1, 2 or 3")
                }
                filter.level = level
            case "actor": filter.actor = value
            case "backend": filter.backend = value
            case "findings":
                switch value.lowercased() {
                case "yes", "true", "1": filter.hasFindings = true
                case "no", "false", "0": filter.hasFindings = false
                default: throw StoreError.invalidInput("findings must be yes or no")
                }
            case "conflict":
                switch value.lowercased() {
                case "yes", "true", "1": filter.conflict = true
                case "no", "false", "0": filter.conflict = false
                default: throw StoreError.invalidInput("conflict must be yes or no")
                }
            default:
                throw StoreError.invalidInput("unknown filter key '\(pair[0])' (keys: \(keys.joined(separator: ", ")))")
            }
        }
        return filter
    }

    /// The filter written back in the form `parse` reads.
    public var text: String {
        var terms: [String] = []
        terms.append("status=\(status?.rawValue ?? "any")")
        if let emotion { terms.append("emotion=\(emotion)") }
        if let level { terms.append("level=\(level)") }
        if let actor { terms.append("actor=\(actor)") }
        if let backend { terms.append("backend=\(backend)") }
        if let hasFindings { terms.append("findings=\(hasFindings ? "yes" : "no")") }
        if let conflict { terms.append("conflict=\(conflict ? "yes" : "no")") }
        return terms.joined(separator: " ")
    }

    /// SQL conditions over `annotation a JOIN subject s`, every value bound.
    func conditions() -> (sql: [String], arguments: StoreArguments) {
        var sql: [String] = []
        var arguments = StoreArguments()
        if let status {
            sql.append("a.status = ?")
            arguments += [status.rawValue]
        }
        if let emotion {
            sql.append("a.emotion = ?")
            arguments += [emotion]
        }
        if let level {
            sql.append("a.level = ?")
            arguments += [level]
        }
        if let actor {
            sql.append("s.actor_id = ?")
            arguments += [actor]
        }
        if let backend {
            sql.append("a.backend = ?")
            arguments += [backend]
        }
        if let hasFindings {
            sql.append(hasFindings ? "a.finding_severity >= 2" : "a.finding_severity < 2")
        }
        if let conflict {
            sql.append((conflict ? "" : "NOT ") + "EXISTS (SELECT 1 FROM review_conflict c WHERE c.annotation_id = a.id AND c.resolved_at IS NULL)")
        }
        return (sql, arguments)
    }
}
