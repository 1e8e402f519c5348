import AnnotationRecord
import FACSKnowledge
import Foundation

/// Reading the queue: lists, one item in full, neighbours for paging, counts and the audit trail.
extension ProjectStore {
    /// Items matching `filter` in id order, starting after `afterID`.
    public func list(filter: ReviewFilter = ReviewFilter(status: nil), limit: Int = 50, after afterID: Int64? = nil) throws -> [AnnotationSummary] {
        var (conditions, arguments) = filter.conditions()
        if let afterID {
            conditions.append("a.id > ?")
            arguments += [afterID]
        }
        arguments += [max(0, limit)]
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read { db in
            try StoreRow.fetchAll(db, sql: """
                SELECT a.id, a.status, a.emotion, a.level, s.actor_id, s.view, s.source_path, a.backend, a.model_id,
                       a.current_revision, a.finding_severity, a.claimed_by, a.claim_expires_at, a.decided_by, r.coarse_prompt
                FROM annotation a
                JOIN subject s ON s.id = a.subject_id
                JOIN revision r ON r.annotation_id = a.id AND r.number = a.current_revision
                \(whereClause)
                ORDER BY a.id LIMIT ?
                """, arguments: arguments
            ).map { row in
                let expiry: Date? = row["claim_expires_at"]
                let severity: Int = row["finding_severity"]
                return AnnotationSummary(
                    id: row["id"], status: ReviewStatus(rawValue: row["status"])!, emotion: row["emotion"], level: try StoredValue.level(row["level"]),
                    actorID: row["actor_id"], view: row["view"], sourcePath: row["source_path"], backend: row["backend"],
                    modelID: row["model_id"], revision: row["current_revision"],
                    worstFinding: severity > 0 ? FindingSeverity.allCases[severity - 1] : nil,
                    claimedBy: (expiry ?? .distantPast) > self.now ? row["claimed_by"] : nil,
                    decidedBy: row["decided_by"], coarsePrompt: row["coarse_prompt"])
            }
        }
    }

    /// The next (or previous) item id matching `filter`, in id order, without wrapping.
    public func neighbour(of id: Int64?, filter: ReviewFilter, forward: Bool) throws -> Int64? {
        var (conditions, arguments) = filter.conditions()
        if let id {
            conditions.append(forward ? "a.id > ?" : "a.id < ?")
            arguments += [id]
        }
        let join = filter.actor == nil ? "" : "JOIN subject s ON s.id = a.subject_id"
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT a.id FROM annotation a \(join) \(whereClause) ORDER BY a.id \(forward ? "ASC" : "DESC") LIMIT 1",
                arguments: arguments)
        }
    }

    /// One annotation with its subject, every revision and every decision.
    public func show(id: Int64) throws -> AnnotationDetail {
        try database.read { db in
            let row = try self.annotationRow(db, id: id)
            guard let subject = try SubjectRow.fetchOne(db, key: [row.subjectId]) else {
                throw StoreError.invalidInput("annotation #\(id) points at a missing subject")
            }
            let revisions = try RevisionRow.fetchAll(
                db, sql: "SELECT * FROM revision WHERE annotation_id = ? ORDER BY number", arguments: [id]
            ).map(Self.revision)
            guard let current = revisions.first(where: { $0.number == row.currentRevision }) else {
                throw StoreError.invalidInput("annotation #\(id) has no revision \(row.currentRevision)")
            }
            let decisions = try DecisionRow.fetchAll(
                db, sql: "SELECT * FROM decision WHERE annotation_id = ? ORDER BY id", arguments: [id]
            ).map(Self.decision)
            var claim: Claim?
            if let holder = row.claimedBy, let expiry = row.claimExpiresAt, expiry > self.now {
                claim = Claim(annotationID: id, curator: holder, expiresAt: expiry)
            }
            let subjectRecord = AnnotationSubject(
                sourcePath: subject.sourcePath, kind: try StoredValue.decode(SubjectKind.self, subject.kind),
                actorID: subject.actorId, view: subject.view, contentHash: subject.contentHash, description: subject.description)
            let annotation = Annotation(
                subject: subjectRecord, emotion: row.emotion, level: try StoredValue.level(row.level),
                mode: try StoredValue.decode(AnnotationMode.self, row.mode), backend: row.backend, endpoint: row.endpoint,
                modelID: row.modelId, templateVersion: row.templateVersion,
                stages: try ProjectJSON.decode([StageRecord].self, from: row.stagesJson), coarsePrompt: current.coarsePrompt,
                finePrompt: current.finePrompt, aus: current.aus, findings: current.findings,
                provenance: try? ProjectJSON.decode(AnnotationProvenance.self, from: row.provenanceJson))
            return AnnotationDetail(
                id: id, subjectID: subject.id!, annotation: annotation, provenanceJSON: row.provenanceJson,
                status: ReviewStatus(rawValue: row.status)!, current: current, revisions: revisions, decisions: decisions,
                claim: claim, conflict: try self.openConflict(db, annotationID: id),
                // A face row made unusable by hand loses only the face crop, never the item.
                referenceFace: subject.contentHash.flatMap { try? Self.referenceFace(contentHash: $0, db: db) },
                decidedBy: row.decidedBy, decidedAt: row.decidedAt,
                createdAt: row.createdAt, updatedAt: row.updatedAt)
        }
    }

    /// Pending, approved and rejected counts, kept by triggers.
    public func statusCounts() throws -> StatusCounts {
        try database.read { db in
            let counts = try Dictionary(uniqueKeysWithValues: StoreRow.fetchAll(db, sql: "SELECT status, count FROM status_count").map {
                ($0["status"] as String, $0["count"] as Int)
            })
            return StatusCounts(pending: counts["pending"] ?? 0, approved: counts["approved"] ?? 0, rejected: counts["rejected"] ?? 0)
        }
    }

    /// Approvals, rejections and edits this curator made in the last hour: the status line's rate.
    public func decisionsInLastHour(curator: String) throws -> Int {
        try database.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM decision WHERE curator = ? AND action <> 'undo' AND created_at > ?",
                arguments: [curator, self.now.addingTimeInterval(-3600)]) ?? 0
        }
    }

    public func stats() throws -> ReviewStats {
        let counts = try statusCounts()
        return try database.read { db in
            let byEmotion = try StoreRow.fetchAll(db, sql: """
                SELECT emotion, sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
                       sum(CASE WHEN status = 'approved' THEN 1 ELSE 0 END) AS approved,
                       sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected
                FROM annotation GROUP BY emotion ORDER BY emotion
                """).map {
                ReviewStats.EmotionCounts(emotion: $0["emotion"], pending: $0["pending"], approved: $0["approved"], rejected: $0["rejected"])
            }
            // Counts decisions still standing: an undone one and its undo cancel out.
            let byCurator = try StoreRow.fetchAll(db, sql: """
                SELECT d.curator,
                       sum(CASE WHEN d.action = 'approve' AND u.id IS NULL THEN 1 ELSE 0 END) AS approved,
                       sum(CASE WHEN d.action = 'reject' AND u.id IS NULL THEN 1 ELSE 0 END) AS rejected,
                       sum(CASE WHEN d.action = 'edit' AND u.id IS NULL THEN 1 ELSE 0 END) AS edited,
                       sum(CASE WHEN d.action = 'undo' THEN 1 ELSE 0 END) AS undone,
                       sum(CASE WHEN d.action <> 'undo' AND d.created_at > ? THEN 1 ELSE 0 END) AS last_hour
                FROM decision d LEFT JOIN decision u ON u.undoes_decision_id = d.id
                GROUP BY d.curator ORDER BY d.curator
                """, arguments: [self.now.addingTimeInterval(-3600)]).map {
                ReviewStats.CuratorCounts(
                    curator: $0["curator"], approved: $0["approved"], rejected: $0["rejected"], edited: $0["edited"],
                    undone: $0["undone"], lastHour: $0["last_hour"])
            }
            var reasons: [String: Int] = [:]
            for row in try StoreRow.fetchAll(db, sql: """
                SELECT d.reason, count(*) AS n FROM decision d JOIN annotation a ON a.id = d.annotation_id
                WHERE d.action = 'reject' AND a.status = 'rejected'
                  AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes_decision_id = d.id)
                GROUP BY d.reason
                """) {
                reasons[row["reason"] ?? "unknown"] = row["n"]
            }
            return ReviewStats(
                pending: counts.pending, approved: counts.approved, rejected: counts.rejected,
                total: counts.pending + counts.approved + counts.rejected, failed: try self.openFailureCount(db),
                activeClaims: try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM annotation WHERE claimed_by IS NOT NULL AND claim_expires_at > ?",
                    arguments: [self.now]) ?? 0,
                renders: try Int.fetchOne(db, sql: "SELECT count(*) FROM render") ?? 0,
                clipLinks: try Int.fetchOne(db, sql: "SELECT count(*) FROM clip_link") ?? 0,
                byEmotion: byEmotion, byCurator: byCurator, rejectReasons: reasons)
        }
    }

    /// The latest `limit` entries of the audit trail of one annotation (or of the whole store when nil), oldest
    /// first: a limit keeps the recent end of the log, where a curator looks for what just happened.
    public func auditLog(annotationID: Int64? = nil, limit: Int = 1000) throws -> [AuditEntry] {
        try database.read { db in
            let rows: [AuditRow]
            if let annotationID {
                rows = try AuditRow.fetchAll(db, sql: """
                    SELECT * FROM (SELECT * FROM audit_log WHERE annotation_id = ? ORDER BY id DESC LIMIT ?) AS recent ORDER BY id
                    """, arguments: [annotationID, max(0, limit)])
            } else {
                rows = try AuditRow.fetchAll(
                    db, sql: "SELECT * FROM (SELECT * FROM audit_log ORDER BY id DESC LIMIT ?) AS recent ORDER BY id", arguments: [max(0, limit)])
            }
            return rows.map {
                AuditEntry(id: $0.id!, at: $0.at, curator: $0.curator, action: $0.action, annotationID: $0.annotationId, beforeJSON: $0.beforeJson, afterJSON: $0.afterJson)
            }
        }
    }

    /// Problems found by the database's own checks (SQLite's) and by the store's invariants; empty when the database is sound.
    public func integrityProblems() throws -> [String] {
        let engine = try database.engineProblems()
        return try database.read { db in
            var problems = engine
            let invariants: [(String, String)] = [
                ("status counts disagree with the annotations", """
                    SELECT count(*) FROM status_count c
                    WHERE c.count <> (SELECT count(*) FROM annotation a WHERE a.status = c.status)
                    """),
                ("annotations point at a missing current revision", """
                    SELECT count(*) FROM annotation a
                    WHERE NOT EXISTS (SELECT 1 FROM revision r WHERE r.annotation_id = a.id AND r.number = a.current_revision)
                    """),
                ("decided annotations without a standing decision", """
                    SELECT count(*) FROM annotation a WHERE a.status <> 'pending' AND NOT EXISTS (
                        SELECT 1 FROM decision d WHERE d.annotation_id = a.id AND d.status_after = a.status)
                    """),
                ("decisions without an audit entry", """
                    SELECT count(*) FROM decision d WHERE NOT EXISTS (
                        SELECT 1 FROM audit_log l WHERE l.annotation_id = d.annotation_id AND l.action = d.action
                          AND \(db.dialect.jsonInteger("l.after_json", key: "decision_id")) = d.id)
                    """),
                // A render farm item is done only with a done render of its own pair.
                ("done render items whose render is not a done render of their pair", """
                    SELECT count(*) FROM render_item i WHERE i.status = 'done' AND NOT EXISTS (
                        SELECT 1 FROM render r WHERE r.id = i.render_id AND r.status = 'done'
                          AND r.annotation_id = i.annotation_id AND r.revision = i.revision)
                    """),
            ]
            for (message, sql) in invariants {
                let count = try Int.fetchOne(db, sql: sql) ?? 0
                if count > 0 { problems.append("\(count) \(message)") }
            }
            return problems
        }
    }

    static func revision(_ row: RevisionRow) throws -> Revision {
        Revision(
            number: row.number, coarsePrompt: row.coarsePrompt, finePrompt: row.finePrompt,
            aus: try ProjectJSON.decode(ScoredAUNotationList.self, from: row.ausJson).wrappedValue,
            findings: try ProjectJSON.decode([Finding].self, from: row.findingsJson), author: row.author, createdAt: row.createdAt)
    }
}
