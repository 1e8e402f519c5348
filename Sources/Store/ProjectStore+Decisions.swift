import AnnotationRecord
import FACSKnowledge
import Foundation

/// Approve, reject, edit and undo: each one transaction that checks the status machine and the claim, updates the
/// annotation, appends a decision and an audit entry, and releases the claim.
extension ProjectStore {
    /// A revision with an error finding (an unknown AU, codes that exclude each other) is approved only with
    /// `force`: the curator has seen the finding and keeps the revision anyway. Every path (the command line, the
    /// queue, a script) comes through here, so none approves such a revision without a word.
    @discardableResult
    public func approve(id: Int64, curator: String, note: String? = nil, role: CuratorRole = .curator, force: Bool = false) throws -> Decision {
        try database.write { db in
            try self.decide(db, id: id, curator: curator, action: .approve, reason: nil, note: note, role: role, force: force)
        }
    }

    /// `other` needs a note; every reason may carry one.
    @discardableResult
    public func reject(id: Int64, curator: String, reason: RejectReason, note: String? = nil, role: CuratorRole = .curator) throws -> Decision {
        let trimmed = note?.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason == .other && (trimmed ?? "").isEmpty {
            throw StoreError.invalidInput("a rejection for 'other' needs a note saying why")
        }
        let kept = trimmed?.isEmpty == false ? trimmed : nil
        return try database.write { db in
            try self.decide(db, id: id, curator: curator, action: .reject, reason: reason, note: kept, role: role)
        }
    }

    /// Appends a revision with the changed prompts (and AUs, whose findings are then checked again). The item goes
    /// back to pending unless `approve` is set, in which case the edit is approved in the same step; a revision
    /// with an error finding is approved so only with `force`, as `approve` requires.
    @discardableResult
    public func edit(
        id: Int64, curator: String, coarse: String? = nil, fine: String? = nil, aus: [ScoredAU]? = nil, approve: Bool = false,
        force: Bool = false
    ) throws -> Revision {
        try Self.checkText(coarse, field: "coarse prompt", limit: TextLimits.prompt)
        try Self.checkText(fine, field: "fine prompt", limit: TextLimits.prompt)
        return try database.write { db in
            let row = try self.annotationRow(db, id: id)
            let status = ReviewStatus(rawValue: row.status)!
            guard let after = ReviewAction.transition(from: status, action: .edit, approveEdit: approve) else {
                throw StoreError.illegalTransition(annotationID: id, from: status, action: .edit)
            }
            try self.refuseOthersClaim(row, curator: curator)
            let current = try self.revisionRow(db, annotationID: id, number: row.currentRevision)
            let currentAUs = try ProjectJSON.decode(ScoredAUNotationList.self, from: current.ausJson).wrappedValue
            let newCoarse = coarse ?? current.coarsePrompt
            let newFine = fine ?? current.finePrompt
            let newAUs = aus ?? currentAUs
            guard newCoarse != current.coarsePrompt || newFine != current.finePrompt || newAUs != currentAUs else {
                throw StoreError.invalidInput("the edit changes nothing in annotation #\(id)")
            }
            guard !(newCoarse.isEmpty && newFine.isEmpty) else {
                throw StoreError.invalidInput("an edit cannot leave both prompts empty")
            }
            var findingsJSON = current.findingsJson
            if newAUs != currentAUs {
                findingsJSON = try ProjectJSON.string(Self.findings(for: newAUs, emotion: row.emotion, level: row.level))
            }
            let findings = try ProjectJSON.decode([Finding].self, from: findingsJSON)
            if approve && !force { try Self.refuseErrorFindings(findings, annotationID: id) }
            let number = (try Int.fetchOne(db, sql: "SELECT max(number) FROM revision WHERE annotation_id = ?", arguments: [id]) ?? 0) + 1
            let time = self.now
            try RevisionRow(
                annotationId: id, number: number, coarsePrompt: newCoarse, finePrompt: newFine,
                ausJson: try ProjectJSON.string(ScoredAUNotationList(wrappedValue: newAUs)), findingsJson: findingsJSON, author: curator, createdAt: time
            ).insert(db)
            try self.record(
                db, row: row, curator: curator, action: .edit, reason: nil, note: nil, statusAfter: after,
                revisionAfter: number, severity: Self.severityRank(findings), time: time,
                before: AuditState(status: status, revision: row.currentRevision, coarse: current.coarsePrompt, fine: current.finePrompt, aus: currentAUs.map(\.description)),
                after: AuditState(
                    status: after, revision: number, coarse: newCoarse, fine: newFine, aus: newAUs.map(\.description),
                    forced: approve && force && findings.contains { $0.severity == .error } ? true : nil))
            return Revision(
                number: number, coarsePrompt: newCoarse, finePrompt: newFine, aus: newAUs, findings: findings, author: curator, createdAt: time)
        }
    }

    /// Reverts this curator's latest decision that is not yet undone. Refused when the item changed since (another
    /// decision, or someone else's live claim). The undo is itself a decision; nothing is deleted.
    /// `reclaim`: an item back to pending is claimed for the curator, who is in the queue to decide it again. A
    /// one-shot command passes false, since nothing would renew or release that claim and it would lock the item
    /// away from every other curator for the whole lease.
    @discardableResult
    public func undoLast(curator: String, reclaim: Bool = true) throws -> Decision {
        try database.write { db in
            guard let last = try DecisionRow.fetchOne(db, sql: """
                SELECT * FROM decision d
                WHERE d.curator = ? AND d.action <> 'undo'
                  AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes_decision_id = d.id)
                ORDER BY d.id DESC LIMIT 1
                """, arguments: [curator]) else {
                throw StoreError.nothingToUndo(curator: curator)
            }
            let row = try self.annotationRow(db, id: last.annotationId)
            guard row.status == last.statusAfter, row.currentRevision == last.revisionAfter else {
                throw StoreError.undoConflict(
                    annotationID: last.annotationId,
                    reason: "it changed since (now \(row.status), revision \(row.currentRevision)\(row.decidedBy.map { " by \($0)" } ?? ""))")
            }
            try self.refuseOthersClaim(row, curator: curator)
            let restored = ReviewStatus(rawValue: last.statusBefore)!
            let revision = try self.revisionRow(db, annotationID: row.id!, number: last.revisionBefore)
            let findings = try ProjectJSON.decode([Finding].self, from: revision.findingsJson)
            let time = self.now
            let decision = try self.record(
                db, row: row, curator: curator, action: .undo, reason: nil, note: nil, statusAfter: restored,
                revisionAfter: last.revisionBefore, severity: Self.severityRank(findings), time: time, undoes: last.id,
                before: AuditState(status: ReviewStatus(rawValue: row.status), revision: row.currentRevision, decisionID: last.id),
                after: AuditState(status: restored, revision: last.revisionBefore))
            if restored == .pending && reclaim {
                // The curator undid a decision to make it again: hand the item back to them.
                let expiry = time.addingTimeInterval(self.options.leaseDuration)
                try db.execute(
                    sql: "UPDATE annotation SET claimed_by = ?, claim_expires_at = ? WHERE id = ?", arguments: [curator, expiry, row.id!])
            }
            return decision
        }
    }

    /// The decision history of one curator, newest first.
    public func decisions(curator: String, limit: Int = 50) throws -> [Decision] {
        try database.read { db in
            try DecisionRow.fetchAll(db, sql: "SELECT * FROM decision WHERE curator = ? ORDER BY id DESC LIMIT ?", arguments: [curator, limit])
                .map(Self.decision)
        }
    }

    /// With an overlap above 1, a curator's approval or rejection is a response: the item stays pending until
    /// every one of the overlap has responded, then takes the decision they agree on, or waits for a reviewer
    /// when they disagree. A reviewer's decision is final and settles such a conflict. An approval (a curator's
    /// response or a reviewer's decision) of a revision with an error finding needs `force`.
    func decide(
        _ db: any StoreDatabase, id: Int64, curator: String, action: ReviewAction, reason: RejectReason?, note: String?, role: CuratorRole = .curator,
        force: Bool = false
    ) throws -> Decision {
        try Self.checkText(note, field: "note", limit: TextLimits.note)
        let row = try annotationRow(db, id: id)
        let status = ReviewStatus(rawValue: row.status)!
        guard var after = ReviewAction.transition(from: status, action: action) else {
            throw StoreError.illegalTransition(annotationID: id, from: status, action: action)
        }
        try refuseOthersClaim(row, curator: curator)
        // finding_severity says cheaply whether the revision has an error; only then are its findings read.
        var forced = false
        if action == .approve && row.findingSeverity >= Self.errorSeverityRank {
            let revision = try revisionRow(db, annotationID: id, number: row.currentRevision)
            let findings = try ProjectJSON.decode([Finding].self, from: revision.findingsJson)
            if !force { try Self.refuseErrorFindings(findings, annotationID: id) }
            forced = findings.contains { $0.severity == .error }
        }
        let conflicted = try hasOpenConflict(db, annotationID: id)
        if role == .reviewer {
            if conflicted {
                try db.execute(
                    sql: "UPDATE review_conflict SET resolved_by = ?, resolved_at = ? WHERE annotation_id = ? AND resolved_at IS NULL",
                    arguments: [curator, now, id])
            }
        } else if action == .approve || action == .reject {
            if conflicted {
                throw StoreError.awaitsReviewer(annotationID: id)
            }
            let overlap = try overlap(db)
            if overlap > 1 {
                let standing = try standingResponses(db, annotationID: id, revision: row.currentRevision)
                if standing.contains(where: { $0.curator == curator }) {
                    throw StoreError.invalidInput("\(curator) has already decided annotation #\(id); with overlap \(overlap) each curator decides once")
                }
                let actions = Set(standing.map(\.action) + [action.rawValue])
                if standing.count + 1 < overlap {
                    after = .pending
                } else if actions.count > 1 {
                    after = .pending
                    try db.execute(
                        sql: "INSERT INTO review_conflict (annotation_id, revision, opened_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        arguments: [id, row.currentRevision, now])
                    try audit(db, curator: curator, action: "conflict", annotationID: id, record: ["revision": row.currentRevision])
                }
            }
        }
        return try record(
            db, row: row, curator: curator, action: action, reason: reason, note: note, statusAfter: after,
            revisionAfter: row.currentRevision, severity: row.findingSeverity, time: now,
            before: AuditState(status: status, revision: row.currentRevision, claimedBy: row.claimedBy),
            after: AuditState(status: after, revision: row.currentRevision, reason: reason?.rawValue, note: note, forced: forced ? true : nil))
    }

    /// `finding_severity` of a revision whose worst finding is an error.
    static let errorSeverityRank = severityRank([Finding(severity: .error, kind: .unknownCode, codes: [], message: "")])

    static func refuseErrorFindings(_ findings: [Finding], annotationID: Int64) throws {
        let errors = findings.filter { $0.severity == .error }
        guard errors.isEmpty else { throw StoreError.errorFindings(annotationID: annotationID, findings: errors) }
    }

    /// Applies a decision to the annotation row and appends the decision and its audit entry.
    @discardableResult
    private func record(
        _ db: any StoreDatabase, row: AnnotationRow, curator: String, action: ReviewAction, reason: RejectReason?, note: String?,
        statusAfter: ReviewStatus, revisionAfter: Int, severity: Int, time: Date, undoes: Int64? = nil,
        before: AuditState, after: AuditState
    ) throws -> Decision {
        let id = row.id!
        var decidedBy: String?
        var decidedAt: Date?
        if statusAfter != .pending {
            if action == .undo {
                // Back to an earlier decided state: its decider is the latest approve or reject still standing.
                let standing = try StoreRow.fetchOne(db, sql: """
                    SELECT curator, created_at FROM decision d
                    WHERE d.annotation_id = ? AND d.action IN ('approve', 'reject', 'edit') AND d.status_after = ?
                      AND d.id < ? AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes_decision_id = d.id)
                    ORDER BY d.id DESC LIMIT 1
                    """, arguments: [id, statusAfter.rawValue, undoes])
                decidedBy = standing?["curator"]
                decidedAt = standing?["created_at"]
            } else {
                decidedBy = curator
                decidedAt = time
            }
        }
        try db.execute(sql: """
            UPDATE annotation SET status = ?, current_revision = ?, finding_severity = ?, decided_by = ?, decided_at = ?,
                claimed_by = NULL, claim_expires_at = NULL, updated_at = ?
            WHERE id = ?
            """, arguments: [statusAfter.rawValue, revisionAfter, severity, decidedBy, decidedAt, time, id])
        var decision = DecisionRow(
            id: nil, annotationId: id, action: action.rawValue, reason: reason?.rawValue, note: note, curator: curator,
            statusBefore: row.status, statusAfter: statusAfter.rawValue, revisionBefore: row.currentRevision,
            revisionAfter: revisionAfter, undoesDecisionId: undoes, createdAt: time)
        try decision.insert(db)
        decision.id = db.lastInsertedRowID
        var afterState = after
        afterState.decisionID = decision.id
        try audit(db, curator: curator, action: action.rawValue, annotationID: id, before: before, after: afterState)
        return Self.decision(decision)
    }

    static func decision(_ row: DecisionRow) -> Decision {
        Decision(
            id: row.id!, annotationID: row.annotationId, action: ReviewAction(rawValue: row.action)!,
            reason: row.reason.flatMap(RejectReason.init(rawValue:)), note: row.note, curator: row.curator,
            statusBefore: ReviewStatus(rawValue: row.statusBefore)!, statusAfter: ReviewStatus(rawValue: row.statusAfter)!,
            revisionBefore: row.revisionBefore, revisionAfter: row.revisionAfter, undoesDecisionID: row.undoesDecisionId,
            createdAt: row.createdAt)
    }

    private static let table = Result { try FACSTable.bundled() }

    /// Findings for an edited AU list, from the FACS table; an AU text the table cannot read is an error finding.
    static func findings(for aus: [ScoredAU], emotion: String, level: Int) throws -> [Finding] {
        AUSetValidator(table: try table.get()).validate(aus, emotion: emotion, level: EmotionLevel(rawValue: level))
    }
}

extension ProjectStore {
    /// `TextLimits.check` with the refusal as a `StoreError` the command line shows as it is.
    static func checkText(_ text: String?, field: String, limit: Int) throws {
        do { try TextLimits.check(text, field: field, limit: limit) } catch let error as TextTooLong {
            throw StoreError.invalidInput(error.description)
        }
    }
}
