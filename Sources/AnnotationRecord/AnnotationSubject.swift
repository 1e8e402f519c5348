/// Who or what is annotated: a portrait image, a clip or a MEAD unit, with the metadata at hand.
public struct AnnotationSubject: Codable, Sendable, Equatable {
    /// The file or folder the subject came from; the store keeps it absolute.
    public var sourcePath: String
    public var kind: SubjectKind
    /// A MEAD actor id such as "M003" or "W011".
    public var actorID: String?
    public var view: String?
    public var contentHash: String?
    /// A free description of the person ("a woman in her thirties with short dark hair").
    public var description: String?

    // "actorId" so the project's snake_case JSON ("actor_id") reads back into `actorID`.
    private enum CodingKeys: String, CodingKey {
        case sourcePath, kind, actorID = "actorId", view, contentHash, description
    }

    public init(
        sourcePath: String, kind: SubjectKind = .image, actorID: String? = nil, view: String? = nil,
        contentHash: String? = nil, description: String? = nil
    ) {
        self.sourcePath = sourcePath
        self.kind = kind
        self.actorID = actorID
        self.view = view
        self.contentHash = contentHash
        self.description = description
    }
}
