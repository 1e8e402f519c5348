import AnnotationRecord
import MediaIO
import Store

/// Describes one unit: the annotation a batch stores for it. The CoT-FA pipeline is the real one; tests may
/// script their own.
public protocol UnitAnnotating: Sendable {
    /// `frame` is the unit's reference frame (nil when none could be decoded and the annotator said it can do
    /// without); `clip` is the clip it came from. Throws when the unit cannot be annotated; the error text is kept.
    func annotate(_ unit: AnnotationUnit, frame: ReferenceFrame?, clip: DatasetClip) throws -> Annotation
}
