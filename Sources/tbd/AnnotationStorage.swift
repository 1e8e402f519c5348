import AnnotationRecord
import CoTFA
import Store

/// Stores an annotation as pending review and returns its id; the database is created when missing.
func storeAnnotation(_ annotation: Annotation, databasePath: String) throws -> Int64 {
    do {
        return try ProjectStore(path: databasePath).addAnnotation(annotation)
    } catch {
        throw CLIError("the annotation could not be stored in \(databasePath): \(error)")
    }
}
