/// What an annotation describes: one portrait image, one clip, or a MEAD unit (every clip of an actor's
/// emotion and level).
public enum SubjectKind: String, Sendable, Codable, CaseIterable {
    case image
    case clip
    case unit
}
