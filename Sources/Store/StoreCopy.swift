import ContentHashing
import Foundation

/// `tbd store copy`: every row of every table from one store to another, SQLite or PostgreSQL in either direction,
/// in one transaction on the target, then checked: each table's row count and content hash must be the same on
/// both sides. A target with any row in it is refused, so nothing there is overwritten or mixed.
public enum StoreCopy {
    /// One table's count and content hash after the copy (the same on both sides, or the copy failed).
    public struct TableSummary: Codable, Sendable, Equatable {
        public var table: String
        public var rows: Int
        public var sha256: String
    }

    /// Tables in an order that inserts every referenced row before the rows that reference it, with the columns
    /// that order each table. `status_count` is left out: the target's triggers count the copied annotations, and
    /// the check compares the result.
    static let tables: [(name: String, order: String)] = [
        ("subject", "id"), ("annotation", "id"), ("revision", "annotation_id, number"), ("decision", "id"),
        ("audit_log", "id"), ("review_setting", "key"), ("review_conflict", "annotation_id, revision"),
        ("curator_skip", "annotation_id, curator"), ("render", "id"), ("clip_link", "id"), ("batch_unit", "unit_key"),
        ("call_cache", "request_hash"), ("failed_annotation", "id"), ("reference_face", "content_hash"),
        ("render_item", "id"),
    ]

    /// Tables whose `id` the database assigns, whose sequences PostgreSQL must move past the copied ids.
    static let identityTables: Set<String> = ["subject", "annotation", "decision", "audit_log", "render", "clip_link", "failed_annotation", "render_item"]

    /// Copies `source` into the empty `target` and returns what both now hold, table by table.
    @discardableResult
    public static func copy(from source: ProjectStore, to target: ProjectStore) throws -> [TableSummary] {
        let sourceMigrations = try source.appliedMigrations()
        guard sourceMigrations == StoreSchema.migrationNames, try target.appliedMigrations() == StoreSchema.migrationNames else {
            throw StoreError.invalidInput("both stores must be at this build's schema (\(StoreSchema.migrationNames.last!)); open each once with this build")
        }
        try target.database.write { db in
            for table in tables.map(\.name) + ["status_count"] {
                let filled = table == "status_count"
                    ? try Int.fetchOne(db, sql: "SELECT count(*) FROM status_count WHERE count <> 0") ?? 0
                    : try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
                if filled > 0 { throw StoreError.invalidInput("\(target.path) is not empty (\(table) has rows); copy into a new store") }
            }
        }
        try source.database.read { from in
            try target.database.write { to in
                for (table, order) in tables {
                    let rows = try from.fetchRows(sql: "SELECT * FROM \(table) ORDER BY \(order)", arguments: [])
                    // A failed item may point at a later retry of itself: that link is set once every row is in.
                    var retries: [(id: StoreValue, retry: StoreValue)] = []
                    for row in rows {
                        var values = row.values.enumerated().map { index, value in normalised(value, column: row.columns[index]) }
                        if table == "failed_annotation", let index = row.columns.firstIndex(of: "retried_failed_id"), values[index] != .null {
                            retries.append((values[row.columns.firstIndex(of: "id")!], values[index]))
                            values[index] = .null
                        }
                        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
                        try to.execute(
                            sql: "INSERT INTO \(table) (\(row.columns.joined(separator: ", "))) VALUES (\(placeholders))", arguments: values)
                    }
                    for (id, retry) in retries {
                        try to.execute(sql: "UPDATE failed_annotation SET retried_failed_id = ? WHERE id = ?", arguments: [retry, id])
                    }
                    if to.dialect == .postgres, identityTables.contains(table) {
                        try to.execute(sql: "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), coalesce(max(id), 0) + 1, false) FROM \(table)")
                    }
                }
            }
        }
        let copied = try summaries(of: source)
        let arrived = try summaries(of: target)
        for (before, after) in zip(copied, arrived) where before != after {
            throw StoreError.invalidInput(
                "the copy of \(before.table) differs: \(before.rows) rows (\(before.sha256.prefix(12))) in \(source.path), "
                    + "\(after.rows) (\(after.sha256.prefix(12))) in \(target.path)")
        }
        return arrived
    }

    /// Each table's row count and SHA-256 over its rows in key order, values written the same way on both
    /// backends (dates as the text SQLite keeps, to the millisecond).
    public static func summaries(of store: ProjectStore) throws -> [TableSummary] {
        try store.database.read { db in
            try (tables + [("status_count", "status")]).map { table, order in
                var digest = SHA256Digest()
                var count = 0
                try db.forEachRow(sql: "SELECT * FROM \(table) ORDER BY \(order)", arguments: []) { row in
                    count += 1
                    for (column, value) in zip(row.columns, row.values).sorted(by: { $0.0 < $1.0 }) {
                        digest.update(column + "=" + canonical(normalised(value, column: column)) + "\u{1F}")
                    }
                    digest.update("\u{1E}")
                }
                return TableSummary(table: table, rows: count, sha256: digest.finishHex())
            }
        }
    }

    /// Date columns (`at` and every `..._at`) hold GRDB's text on SQLite and `timestamptz` on PostgreSQL: read as
    /// dates either way, so each backend binds them its own way.
    private static func normalised(_ value: StoreValue, column: String) -> StoreValue {
        guard column == "at" || column.hasSuffix("_at"), case .text(let text) = value, let date = Date.from(.text(text)) else {
            return value
        }
        return .date(date)
    }

    private static func canonical(_ value: StoreValue) -> String {
        switch value {
        case .null: return "null"
        case .integer(let number): return "i\(number)"
        case .real(let number): return "r\(number.bitPattern)"
        case .text(let text): return "t\(text.utf8.count):\(text)"
        case .blob(let data): return "b\(data.base64EncodedString())"
        case .date(let date): return "d" + SQLiteBackend.text(from: date)
        }
    }
}

extension StoreValue: StoreBindable {
    var storeValue: StoreValue { self }
}
