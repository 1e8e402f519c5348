import AnnotationRecord
import FACSKnowledge
import Foundation

/// A portrait ready to send: JPEG bytes already scaled to the pixel budget.
public struct PortraitImage: Sendable, Equatable {
    public var jpeg: Data
    public var width: Int
    public var height: Int

    public init(jpeg: Data, width: Int, height: Int) {
        self.jpeg = jpeg
        self.width = width
        self.height = height
    }
}

/// One item to annotate.
public struct AnnotationInput: Sendable {
    public var subject: AnnotationSubject
    public var emotion: String
    public var level: EmotionLevel
    public var mode: AnnotationMode
    /// Sent in stage I (and in `describe`); nil or `textOnly` sends the subject's description instead.
    public var image: PortraitImage?
    /// For text-only models: describe the image in words rather than attaching it.
    public var textOnly: Bool
    /// How the four stages are grouped into chats (`cot` mode with a model only).
    public var grouping: StageGrouping

    public init(
        subject: AnnotationSubject, emotion: String, level: EmotionLevel = .moderate, mode: AnnotationMode = .cot,
        image: PortraitImage? = nil, textOnly: Bool = false, grouping: StageGrouping = .oneChat
    ) {
        self.subject = subject
        self.emotion = emotion
        self.level = level
        self.mode = mode
        self.image = image
        self.textOnly = textOnly
        self.grouping = grouping
    }

    /// The MEAD actor id's letter says how the corpus records the actor: M003 -> "man", W011 -> "woman".
    var actorPresentation: String? {
        guard let id = subject.actorID?.uppercased(), let first = id.first, id.dropFirst().allSatisfy(\.isNumber), id.count > 1 else { return nil }
        switch first {
        case "M": return "man"
        case "W": return "woman"
        default: return nil
        }
    }
}
