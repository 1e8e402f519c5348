import CoTFA

/// Stores an annotation as pending review; the review store arrives with the ReviewQueue module.
func storeAnnotation(_ annotation: CoTFAAnnotation, databasePath: String) throws -> Int64? {
    nil
}
