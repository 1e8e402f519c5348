import Foundation

/// Claims: a curator works on an item under a lease so two curators never review the same one. The select and
/// the update run in one transaction: an IMMEDIATE one on SQLite, which serialises them across processes; on
/// PostgreSQL the select takes the row with `FOR UPDATE SKIP LOCKED`, so concurrent claimers pass over each other's items.
extension ProjectStore {
    /// Claims the first pending item matching `filter` after `afterID` (wrapping to the start) that nobody else
    /// holds under a live lease. An item this curator already holds counts as free. Nil when none is left.
    public func claimNext(curator: String, filter: ReviewFilter = .pending, after afterID: Int64? = nil) throws -> Claim? {
        var pendingFilter = filter
        pendingFilter.status = .pending
        return try database.write { db in
            let time = self.now
            guard let id = try self.firstClaimable(db, curator: curator, filter: pendingFilter, after: afterID, time: time) else {
                return nil
            }
            return try self.takeClaim(db, id: id, curator: curator, time: time)
        }
    }

    /// What a curator does to the item in front of them before moving on in the queue.
    public enum QueueStep: Equatable, Sendable {
        /// `force`: approve a revision with error findings (the queue asked the curator first).
        case approve(note: String?, force: Bool = false)
        case reject(RejectReason, note: String?)
        /// Give the item back undecided.
        case skip
    }

    /// The queue's step in one transaction, so a key press costs one commit: decide on (or give back) item `id`,
    /// then claim the next pending item after it as `claimNext` would.
    public func advance(
        from id: Int64, by step: QueueStep, curator: String, filter: ReviewFilter = .pending, role: CuratorRole = .curator
    ) throws -> (decision: Decision?, next: Claim?) {
        if case .reject(let reason, let note) = step, reason == .other, (note ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw StoreError.invalidInput("a rejection for 'other' needs a note saying why")
        }
        var pendingFilter = filter
        pendingFilter.status = .pending
        return try database.write { db in
            var decision: Decision?
            switch step {
            case .approve(let note, let force):
                decision = try self.decide(db, id: id, curator: curator, action: .approve, reason: nil, note: note, role: role, force: force)
            case .reject(let reason, let note):
                decision = try self.decide(db, id: id, curator: curator, action: .reject, reason: reason, note: note, role: role)
            case .skip:
                try self.release(db, id: id, curator: curator)
                try db.execute(
                    sql: """
                        INSERT INTO curator_skip (annotation_id, curator, skipped_at) VALUES (?, ?, ?)
                        ON CONFLICT (annotation_id, curator) DO UPDATE SET skipped_at = excluded.skipped_at
                        """,
                    arguments: [id, curator, self.now])
            }
            let time = self.now
            let nextID = try self.firstClaimable(db, curator: curator, filter: pendingFilter, after: id, time: time)
            let next = try nextID.map { try self.takeClaim(db, id: $0, curator: curator, time: time) }
            return (decision, next)
        }
    }

    /// Claims one pending item; refused while another curator's lease is live.
    @discardableResult
    public func claim(id: Int64, curator: String) throws -> Claim {
        try database.write { db in
            let row = try self.annotationRow(db, id: id)
            guard row.status == ReviewStatus.pending.rawValue else {
                throw StoreError.invalidInput("annotation #\(id) is \(row.status); only pending items are claimed")
            }
            try self.refuseOthersClaim(row, curator: curator)
            return try self.takeClaim(db, id: id, curator: curator, time: self.now)
        }
    }

    /// Extends this curator's lease by the full lease duration. Refused when someone else holds the item now.
    @discardableResult
    public func renew(id: Int64, curator: String) throws -> Claim {
        try database.write { db in
            let row = try self.annotationRow(db, id: id)
            guard row.claimedBy == curator, row.status == ReviewStatus.pending.rawValue else {
                throw StoreError.notClaimHolder(annotationID: id, curator: curator)
            }
            return try self.takeClaim(db, id: id, curator: curator, time: self.now, action: "renew")
        }
    }

    /// Gives an item back to the queue. Another curator's live claim is refused (`claimedByOther`) rather than
    /// left in place behind a success; an expired claim or none at all leaves nothing to do.
    public func release(id: Int64, curator: String) throws {
        try database.write { db in
            try self.refuseOthersClaim(self.annotationRow(db, id: id), curator: curator)
            try self.release(db, id: id, curator: curator)
        }
    }

    private func release(_ db: any StoreDatabase, id: Int64, curator: String) throws {
        let row = try annotationRow(db, id: id)
        guard row.claimedBy == curator else { return }
        try db.execute(sql: "UPDATE annotation SET claimed_by = NULL, claim_expires_at = NULL WHERE id = ?", arguments: [id])
        try audit(
            db, curator: curator, action: "release", annotationID: id,
            before: AuditState(claimedBy: row.claimedBy, claimExpiresAt: row.claimExpiresAt), after: AuditState())
    }

    /// Live claims, oldest first.
    public func activeClaims() throws -> [Claim] {
        try database.read { db in
            try StoreRow.fetchAll(
                db, sql: "SELECT id, claimed_by, claim_expires_at FROM annotation WHERE claimed_by IS NOT NULL AND claim_expires_at > ? ORDER BY claim_expires_at",
                arguments: [self.now]
            ).map { Claim(annotationID: $0["id"], curator: $0["claimed_by"], expiresAt: $0["claim_expires_at"]) }
        }
    }

    func refuseOthersClaim(_ row: AnnotationRow, curator: String) throws {
        if let holder = row.claimedBy, holder != curator, let expiry = row.claimExpiresAt, expiry > now {
            throw StoreError.claimedByOther(annotationID: row.id!, curator: holder, until: Self.clockTime(expiry))
        }
    }

    static func clockTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The next claimable item after `after` in id order, wrapping to the start; items this curator skipped come
    /// only when nothing else is left. Index walks rather than one sort, so a key press stays cheap however
    /// many items are pending.
    private func firstClaimable(_ db: any StoreDatabase, curator: String, filter: ReviewFilter, after: Int64?, time: Date) throws -> Int64? {
        for skipped in [false, true] {
            if let id = try firstClaimable(db, curator: curator, filter: filter, after: after, time: time, skipped: skipped) { return id }
            if after != nil, let id = try firstClaimable(db, curator: curator, filter: filter, after: nil, time: time, skipped: skipped) {
                return id
            }
        }
        return nil
    }

    private func firstClaimable(
        _ db: any StoreDatabase, curator: String, filter: ReviewFilter, after: Int64?, time: Date, skipped: Bool
    ) throws -> Int64? {
        var (conditions, arguments) = filter.conditions()
        conditions.append("\(skipped ? "" : "NOT ")EXISTS (SELECT 1 FROM curator_skip k WHERE k.annotation_id = a.id AND k.curator = ?)")
        arguments += [curator]
        // Never an item this curator has already answered (overlap above 1), nor one waiting for a reviewer unless
        // the filter asks for those.
        conditions.append("""
            NOT EXISTS (SELECT 1 FROM decision d WHERE d.annotation_id = a.id AND d.curator = ? AND d.action IN ('approve', 'reject')
                AND d.revision_after = a.current_revision AND NOT EXISTS (SELECT 1 FROM decision u WHERE u.undoes_decision_id = d.id))
            """)
        arguments += [curator]
        if filter.conflict == nil {
            conditions.append("NOT EXISTS (SELECT 1 FROM review_conflict c WHERE c.annotation_id = a.id AND c.resolved_at IS NULL)")
        }
        conditions.append("(a.claimed_by IS NULL OR a.claimed_by = ? OR a.claim_expires_at <= ?)")
        arguments += [curator, time]
        if let after {
            conditions.append("a.id > ?")
            arguments += [after]
        }
        let join = filter.actor == nil ? "" : "JOIN subject s ON s.id = a.subject_id"
        return try Int64.fetchOne(
            db, sql: "SELECT a.id FROM annotation a \(join) WHERE \(conditions.joined(separator: " AND ")) ORDER BY a.id LIMIT 1\(db.dialect.skipLocked("a"))",
            arguments: arguments)
    }

    private func takeClaim(_ db: any StoreDatabase, id: Int64, curator: String, time: Date, action: String = "claim") throws -> Claim {
        let previous = try StoreRow.fetchOne(db, sql: "SELECT claimed_by, claim_expires_at FROM annotation WHERE id = ?\(db.forUpdate)", arguments: [id])
        let expiry = time.addingTimeInterval(options.leaseDuration)
        try db.execute(
            sql: "UPDATE annotation SET claimed_by = ?, claim_expires_at = ? WHERE id = ?", arguments: [curator, expiry, id])
        let before = AuditState(claimedBy: previous?["claimed_by"], claimExpiresAt: previous?["claim_expires_at"])
        try audit(db, curator: curator, action: action, annotationID: id, before: before, after: AuditState(claimedBy: curator, claimExpiresAt: expiry))
        return Claim(annotationID: id, curator: curator, expiresAt: expiry)
    }
}
