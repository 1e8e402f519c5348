import AnnotationRecord
import Foundation

/// The render farm's queue: workers on any number of machines take approved pairs under expiring leases, as
/// curators take review items. Taking the next item is one transaction: SQLite's write lock serialises takers; on
/// PostgreSQL the select locks the row with `FOR UPDATE SKIP LOCKED`, so concurrent workers pass over each other's
/// items. A worker renews its lease while it renders; a lease left to run out (a dead worker) frees the item for any
/// other worker.
extension ProjectStore {
    /// Queues `pairs` (annotation, revision) for the settings whose content hash is `settingsHash`; a pair already
    /// queued for them is left as it is, except that `retryFailed` puts a failed one back to waiting. Returns how many
    /// items were added or put back.
    @discardableResult
    public func enqueueRenders(_ pairs: [(annotationID: Int64, revision: Int)], settingsHash: String, retryFailed: Bool = false) throws -> Int {
        guard !settingsHash.isEmpty else { throw StoreError.invalidInput("a render queue needs a settings hash") }
        return try database.write { db in
            let time = self.now
            var added = 0
            for (annotationID, revision) in pairs {
                _ = try self.revisionRow(db, annotationID: annotationID, number: revision)
                try db.execute(
                    sql: """
                        INSERT INTO render_item (annotation_id, revision, settings_hash, status, attempts, created_at)
                        VALUES (?, ?, ?, 'waiting', 0, ?) ON CONFLICT (annotation_id, revision, settings_hash) DO NOTHING
                        """,
                    arguments: [annotationID, revision, settingsHash, time])
                added += db.changesCount
            }
            if retryFailed {
                try db.execute(
                    sql: "UPDATE render_item SET status = 'waiting', worker = NULL, error = NULL WHERE settings_hash = ? AND status = 'failed'",
                    arguments: [settingsHash])
                added += db.changesCount
            }
            return added
        }
    }

    /// Leases the first item of `settingsHash`'s queue that nobody holds under a live lease to `worker` until
    /// `lease` seconds from now. Nil when none is left to take.
    public func takeRenderItem(settingsHash: String, worker: String, lease: TimeInterval) throws -> RenderItem? {
        try Self.checkWorker(worker)
        guard lease > 0, lease.isFinite else { throw StoreError.invalidInput("a render lease must be a positive number of seconds") }
        return try database.write { db in
            let time = self.now
            guard let id = try Int64.fetchOne(
                db,
                sql: """
                    SELECT i.id FROM render_item i WHERE i.settings_hash = ?
                        AND (i.status = 'waiting' OR (i.status = 'leased' AND i.lease_expires_at <= ?))
                    ORDER BY i.id LIMIT 1\(db.dialect.skipLocked("i"))
                    """,
                arguments: [settingsHash, time])
            else { return nil }
            try db.execute(
                sql: """
                    UPDATE render_item SET status = 'leased', worker = ?, leased_at = ?, lease_expires_at = ?, attempts = attempts + 1,
                        error = NULL WHERE id = ?
                    """,
                arguments: [worker, time, time.addingTimeInterval(lease), id])
            return try self.renderItem(db, id: id)
        }
    }

    /// Extends `worker`'s lease on an item to `lease` seconds from now. `renderLeaseLost` when the worker no longer
    /// holds it: the lease ran out and another worker took the item, or the item was finished.
    @discardableResult
    public func renewRenderLease(itemID: Int64, worker: String, lease: TimeInterval) throws -> RenderItem {
        guard lease > 0, lease.isFinite else { throw StoreError.invalidInput("a render lease must be a positive number of seconds") }
        return try database.write { db in
            try db.execute(
                sql: "UPDATE render_item SET lease_expires_at = ? WHERE id = ? AND status = 'leased' AND worker = ?",
                arguments: [self.now.addingTimeInterval(lease), itemID, worker])
            guard db.changesCount == 1 else { throw StoreError.renderLeaseLost(itemID: itemID, worker: worker) }
            return try self.renderItem(db, id: itemID)
        }
    }

    /// Marks `worker`'s item done with the render that made it.
    public func finishRenderItem(itemID: Int64, worker: String, renderID: Int64) throws {
        try database.write { db in
            guard try Int64.fetchOne(db, sql: "SELECT id FROM render WHERE id = ? AND status = 'done'", arguments: [renderID]) != nil else {
                throw StoreError.invalidInput("render #\(renderID) is not a done render")
            }
            try self.settleRenderItem(db, itemID: itemID, worker: worker, status: .done, renderID: renderID, error: nil)
        }
    }

    /// Marks `worker`'s item failed, with the reason; `enqueueRenders(retryFailed:)` puts it back.
    public func failRenderItem(itemID: Int64, worker: String, reason: String) throws {
        try database.write { db in
            try self.settleRenderItem(db, itemID: itemID, worker: worker, status: .failed, renderID: nil, error: reason)
        }
    }

    /// Gives `worker`'s item back to the queue undone (Ctrl-C); nothing happens when the worker no longer holds it.
    public func releaseRenderItem(itemID: Int64, worker: String) throws {
        try database.write { db in
            try db.execute(
                sql: "UPDATE render_item SET status = 'waiting', worker = NULL, lease_expires_at = NULL WHERE id = ? AND status = 'leased' AND worker = ?",
                arguments: [itemID, worker])
        }
    }

    /// Every queued item (of one settings hash, or of all), in queue order.
    public func renderItems(settingsHash: String? = nil) throws -> [RenderItem] {
        try database.read { db in
            var arguments = StoreArguments()
            if let settingsHash { arguments.append(settingsHash) }
            let filter = settingsHash == nil ? "" : "WHERE settings_hash = ?"
            return try RenderItemRow.fetchAll(db, sql: "SELECT * FROM render_item \(filter) ORDER BY id", arguments: arguments)
                .map(Self.item(from:))
        }
    }

    func settleRenderItem(_ db: any StoreDatabase, itemID: Int64, worker: String, status: RenderItem.Status, renderID: Int64?, error: String?) throws {
        try db.execute(
            sql: """
                UPDATE render_item SET status = ?, render_id = ?, error = ?, lease_expires_at = NULL, finished_at = ?
                WHERE id = ? AND status = 'leased' AND worker = ?
                """,
            arguments: [status.rawValue, renderID, error.map { String($0.prefix(TextLimits.note)) }, self.now, itemID, worker])
        guard db.changesCount == 1 else { throw StoreError.renderLeaseLost(itemID: itemID, worker: worker) }
    }

    private func renderItem(_ db: any StoreDatabase, id: Int64) throws -> RenderItem {
        guard let row = try RenderItemRow.fetchOne(db, key: [id]) else { throw StoreError.invalidInput("no render item #\(id)") }
        return Self.item(from: row)
    }

    private static func item(from row: RenderItemRow) -> RenderItem {
        RenderItem(
            id: row.id!, annotationID: row.annotationId, revision: row.revision, settingsHash: row.settingsHash,
            status: RenderItem.Status(rawValue: row.status) ?? .failed, worker: row.worker, leasedAt: row.leasedAt,
            leaseExpiresAt: row.leaseExpiresAt, attempts: row.attempts, renderID: row.renderId, error: row.error,
            createdAt: row.createdAt, finishedAt: row.finishedAt)
    }

    /// A worker's name is shown in `tbd render status` and kept in the queue: one line of printable text.
    static func checkWorker(_ worker: String) throws {
        guard !worker.isEmpty, worker.count <= 100, !worker.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw StoreError.invalidInput("a worker name is 1-100 printable characters")
        }
    }
}
