extension ProjectStore {
    /// How many items match `filter`: the review screen's "N pending here". A full count, so the screen asks it
    /// when the filter changes and while the curator pauses, not on every key.
    public func count(filter: ReviewFilter) throws -> Int {
        let (conditions, arguments) = filter.conditions()
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM annotation a JOIN subject s ON s.id = a.subject_id \(whereClause)",
                arguments: arguments) ?? 0
        }
    }
}
