import Foundation

/// Several curators per item (Label Studio's reviewer step, Argilla's several responses per record): how many
/// curators decide each item, their standing responses, and the conflicts a reviewer settles.
extension ProjectStore {
    public static let maximumOverlap = 10

    /// How many curators decide each item (1: the first decision is final).
    public func overlap() throws -> Int {
        try database.read { db in try self.overlap(db) }
    }

    public func setOverlap(_ count: Int, curator: String) throws {
        guard (1...Self.maximumOverlap).contains(count) else {
            throw StoreError.invalidInput("overlap must be 1-\(Self.maximumOverlap), not \(count)")
        }
        try database.write { db in
            let before = try self.overlap(db)
            try db.execute(
                sql: """
                    INSERT INTO review_setting (key, value) VALUES ('overlap', ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value
                    """, arguments: [String(count)])
            try self.audit(db, curator: curator, action: "settings", annotationID: nil, record: ["overlap_before": before, "overlap": count])
        }
    }

    func overlap(_ db: any StoreDatabase) throws -> Int {
        try String.fetchOne(db, sql: "SELECT value FROM review_setting WHERE key = 'overlap'").flatMap(Int.init) ?? 1
    }

    /// Each curator's approval or rejection of the item's current revision that still stands (not undone).
    func standingResponses(_ db: any StoreDatabase, annotationID: Int64, revision: Int) throws -> [DecisionRow] {
        try DecisionRow.fetchAll(db, sql: """
            SELECT * FROM decision d
            WHERE d.annotation_id = ? AND d.action IN ('approve', 'reject') AND d.revision_after = ?
              AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes_decision_id = d.id)
            ORDER BY d.id
            """, arguments: [annotationID, revision])
    }

    func hasOpenConflict(_ db: any StoreDatabase, annotationID: Int64) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM review_conflict WHERE annotation_id = ? AND resolved_at IS NULL)",
            arguments: [annotationID]) ?? false
    }

    /// The item's unsettled conflict with the responses that disagree; nil when there is none.
    func openConflict(_ db: any StoreDatabase, annotationID: Int64) throws -> ReviewConflict? {
        guard let row = try StoreRow.fetchOne(
            db, sql: """
                SELECT revision, opened_at FROM review_conflict WHERE annotation_id = ? AND resolved_at IS NULL
                ORDER BY revision DESC LIMIT 1
                """, arguments: [annotationID])
        else { return nil }
        let revision: Int = row["revision"]
        let responses = try standingResponses(db, annotationID: annotationID, revision: revision).map {
            CuratorResponse(curator: $0.curator, decision: $0.action, reason: $0.reason, note: $0.note)
        }
        return ReviewConflict(revision: revision, openedAt: row["opened_at"], responses: responses)
    }

    /// Items whose curators disagreed and that no reviewer has settled yet, oldest first.
    public func openConflicts() throws -> [Int64] {
        try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT annotation_id FROM review_conflict WHERE resolved_at IS NULL ORDER BY annotation_id")
        }
    }
}

extension ProjectStore {
    /// Agreement over every item that two or more curators decided: each curator's standing approval or
    /// rejection (the latest not undone) of the item, a reviewer's settling decision left out.
    public func agreement() throws -> AgreementReport {
        let ratings = try database.read { db in
            try StoreRow.fetchAll(db, sql: """
                SELECT d.annotation_id, a.emotion, d.curator, d.action, d.reason FROM decision d
                JOIN annotation a ON a.id = d.annotation_id
                WHERE d.action IN ('approve', 'reject')
                  AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes_decision_id = d.id)
                  AND NOT EXISTS (SELECT 1 FROM decision later WHERE later.annotation_id = d.annotation_id
                      AND later.curator = d.curator AND later.action IN ('approve', 'reject') AND later.id > d.id
                      AND NOT EXISTS (SELECT 1 FROM decision u2 WHERE u2.undoes_decision_id = later.id))
                  AND NOT EXISTS (SELECT 1 FROM review_conflict c WHERE c.annotation_id = d.annotation_id AND c.resolved_by = d.curator)
                ORDER BY d.annotation_id, d.id
                """).map { row in
                let action: String = row["action"]
                let reason: String? = row["reason"]
                return AgreementReport.Rating(
                    annotationID: row["annotation_id"], emotion: row["emotion"], curator: row["curator"], decision: action,
                    reason: action == "approve" ? "approve" : (reason ?? "reject"))
            }
        }
        return AgreementReport(ratings: ratings)
    }
}
