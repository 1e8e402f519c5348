import AnnotationRecord
/// How the four stages are grouped into chats with the model.
public enum StageGrouping: Sendable, Equatable {
    /// The paper's form: one conversation, each stage after the earlier answers.
    case oneChat
    /// The batch form. Stage I runs in a chat of its own about `stageOneSubject` and its image (one per actor),
    /// stages II and III in a chat that names only the emotion and the level (one per emotion and level), and
    /// stage IV in a chat that carries all three questions and answers. Requests that repeat across units are
    /// then byte-identical, so a call cache answers them: a dataset needs one stage I call per actor, two per
    /// emotion and level, and one per unit. Stages II and III lose nothing: they reason from the FACS table and
    /// the label, not from the face.
    case sharedAnalysis(stageOneSubject: AnnotationSubject, stageOneImage: PortraitImage?)
}
