import CoTFA
import ReviewQueue

/// Stores an annotation as pending review and returns its id; the database is created when missing.
func storeAnnotation(_ annotation: CoTFAAnnotation, databasePath: String) throws -> Int64 {
    do {
        return try ReviewStore(path: databasePath).addAnnotation(annotation.newAnnotation)
    } catch {
        throw CLIError("the annotation could not be stored in \(databasePath): \(error)")
    }
}
