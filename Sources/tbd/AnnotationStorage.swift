import AnnotationRecord
import CoTFA
import FACSKnowledge
import Foundation
import SafeText
import Store

/// Stores an annotation as pending review and returns its id; the database is created when missing.
func storeAnnotation(_ annotation: Annotation, databasePath: String) throws -> Int64 {
    do {
        return try ProjectStore(path: databasePath).addAnnotation(annotation)
    } catch {
        throw CLIError("the annotation could not be stored in \(databasePath): \(error)")
    }
}

/// Refuses to annotate a (subject, emotion, level, mode) the store already holds unless `again` is set, before
/// any model is asked: a second pending item for the same thing is usually a repeated command, and it would
/// cost a curator a second review. With `again` it warns and goes on. A missing store holds nothing.
func checkNotAnnotatedBefore(
    _ subject: AnnotationSubject, emotion: String, level: EmotionLevel, mode: AnnotationMode, databasePath: String, again: Bool
) throws {
    let existing: [Int64]
    do {
        let store = try ProjectStore(path: databasePath, options: .init(createIfMissing: false))
        existing = try store.annotationIDs(sameAs: subject, emotion: emotion, level: level, mode: mode)
    } catch StoreError.noDatabase {
        return
    } catch {
        throw CLIError("cannot read \(databasePath): \(error)")
    }
    guard let first = existing.first else { return }
    let ids = existing.map { "#\($0)" }.joined(separator: ", ")
    let what = "\(TerminalText.sanitize(subject.sourcePath)) is already annotated as \(emotion.lowercased()) level \(level.rawValue) (\(mode.rawValue)): \(ids)"
    guard again else {
        throw CLIError("\(what); `tbd review show \(first)` shows it, and --again adds another one on purpose")
    }
    FileHandle.standardError.write(Data("warning: \(what); adding another one (--again)\n".utf8))
}
