import AnnotationRecord
import FACSKnowledge
import Foundation

/// The review database: one SQLite file in WAL mode that several curators' processes share, or a PostgreSQL
/// database that curators and render workers on several machines share. Every change is one transaction (IMMEDIATE
/// on SQLite), so a process killed at any moment leaves either all of a decision or none of it.
public final class ProjectStore: @unchecked Sendable {
    public struct Options: Sendable {
        /// How long a claim lasts before another curator may take the item.
        public var leaseDuration: TimeInterval
        /// How long a write waits for another process's transaction before giving up.
        public var busyTimeout: TimeInterval
        /// The store's notion of now; tests move it to expire leases without sleeping.
        public var clock: @Sendable () -> Date
        /// Whether SQLite folds the WAL back into the database file on its own after a commit. An interactive
        /// front end turns this off and calls `checkpoint()` while idle, so the fold never lands on a key press;
        /// durability is the same either way (every commit is synced to the WAL).
        public var automaticCheckpoints: Bool
        /// Whether a missing database (and its folder) is created. Commands that only read turn this off, so a
        /// mistyped path is reported instead of silently becoming a new, empty store.
        public var createIfMissing: Bool
        /// Open without writing: reads work, every change fails. Chosen on its own when the file is not writable.
        public var readOnly: Bool

        public init(
            leaseDuration: TimeInterval = 600, busyTimeout: TimeInterval = 10, clock: @escaping @Sendable () -> Date = { Date() },
            automaticCheckpoints: Bool = true, createIfMissing: Bool = true, readOnly: Bool = false
        ) {
            self.leaseDuration = leaseDuration
            self.busyTimeout = busyTimeout
            self.clock = clock
            self.automaticCheckpoints = automaticCheckpoints
            self.createIfMissing = createIfMissing
            self.readOnly = readOnly
        }
    }

    /// The database file, or for PostgreSQL its URL without the password.
    public let path: String
    public let options: Options
    let database: any StoreBackend

    /// Whether `location` names a PostgreSQL database (a `postgres://` URL) rather than a SQLite file.
    public static func isPostgres(_ location: String) -> Bool { PostgresLocation.isURL(location) }

    /// Opens the database at `path`, creating it and its folder when missing and upgrading an older schema.
    public convenience init(path: String) throws {
        try self.init(path: path, options: Options())
    }

    /// Opens the database at `path` (a SQLite file, or a `postgres://` URL); with `options.createIfMissing` off, a
    /// missing SQLite file is `StoreError.noDatabase` and nothing is created. A PostgreSQL database must exist
    /// (the server's administrator creates it); its tables are made on first use.
    public init(path: String, options: Options) throws {
        if PostgresLocation.isURL(path) {
            let location = try PostgresLocation(url: path)
            self.path = location.description
            self.options = options
            database = try PostgresBackend(location: location, readOnly: options.readOnly)
            // A database without the store's tables is, to a command that only reads, a mistyped name.
            if !options.createIfMissing, try database.appliedMigrations().isEmpty {
                throw StoreError.noDatabase(path: self.path)
            }
            try database.migrate(readOnly: options.readOnly)
            return
        }
        self.path = path
        if !options.createIfMissing {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw StoreError.noDatabase(path: path)
            }
        }
        // A database the user may not write (a shared, published store) can still be listed and exported; opening
        // it for writing failed before anything could be read.
        let readOnly = options.readOnly || (FileManager.default.fileExists(atPath: path) && access(path, W_OK) != 0)
        var opened = options
        opened.readOnly = readOnly
        self.options = opened
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        if !readOnly { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        // SQLite reads a WAL database through its -shm file, which it must be able to create beside the database.
        if readOnly, access(folder.path, W_OK) != 0, !FileManager.default.fileExists(atPath: path + "-shm") {
            throw StoreError.invalidInput(
                "\(path) is read-only and its folder cannot be written, so SQLite cannot open it; copy it to a folder you can write")
        }
        database = try SQLiteBackend(
            path: path, readOnly: readOnly, busyTimeout: options.busyTimeout, automaticCheckpoints: options.automaticCheckpoints)
        try database.migrate(readOnly: readOnly)
    }

    /// Folds what the WAL holds back into the database file without waiting for readers (a passive checkpoint);
    /// nothing to do on PostgreSQL.
    public func checkpoint() throws {
        try database.checkpoint()
    }

    /// The schema migrations applied to this database, in order.
    public func appliedMigrations() throws -> [String] {
        try database.appliedMigrations()
    }

    var now: Date { options.clock() }

    // MARK: Adding

    /// Stores a pipeline result as a pending annotation with revision 1 and an audit entry; returns its id.
    public func addAnnotation(_ annotation: Annotation) throws -> Int64 {
        try validate(annotation)
        return try database.write { db in try self.insert(annotation, db: db) }
    }

    /// Stores many results in one transaction (all or none); returns their ids in order. The batch annotator's
    /// path: one commit instead of one per annotation.
    public func addAnnotations(_ annotations: [Annotation]) throws -> [Int64] {
        for annotation in annotations { try validate(annotation) }
        return try database.write { db in try annotations.map { try self.insert($0, db: db) } }
    }

    func insert(_ annotation: Annotation, db: any StoreDatabase) throws -> Int64 {
        let stagesJSON = try ProjectJSON.string(annotation.stages.sorted { $0.index < $1.index })
        let ausJSON = try ProjectJSON.string(annotation.aus.map(\.description))
        let findingsJSON = try ProjectJSON.string(annotation.findings)
        let curator = "pipeline:\(annotation.backend)"
        let time = now
        let subjectID = try subjectID(for: annotation.subject, db: db, time: time)
        try AnnotationRow(
            id: nil, subjectId: subjectID, emotion: annotation.emotion.lowercased(), level: annotation.level.rawValue,
            mode: annotation.mode.rawValue, backend: annotation.backend, endpoint: annotation.endpoint, modelId: annotation.modelID,
            templateVersion: annotation.templateVersion, stagesJson: stagesJSON, provenanceJson: annotation.provenance.map(\.jsonText) ?? "{}",
            status: ReviewStatus.pending.rawValue, currentRevision: 1,
            findingSeverity: Self.severityRank(annotation.findings), claimedBy: nil, claimExpiresAt: nil,
            decidedBy: nil, decidedAt: nil, createdAt: time, updatedAt: time
        ).insert(db)
        let id = db.lastInsertedRowID
        try RevisionRow(
            annotationId: id, number: 1, coarsePrompt: annotation.coarsePrompt, finePrompt: annotation.finePrompt,
            ausJson: ausJSON, findingsJson: findingsJSON, author: curator, createdAt: time
        ).insert(db)
        try audit(
            db, curator: curator, action: "add", annotationID: id, before: nil,
            after: AuditState(status: .pending, revision: 1, coarse: annotation.coarsePrompt, fine: annotation.finePrompt))
        return id
    }

    func validate(_ annotation: Annotation) throws {
        func fail(_ message: String) -> StoreError { .invalidInput("annotation rejected: \(message)") }
        guard !annotation.subject.sourcePath.isEmpty else { throw fail("subject.sourcePath is empty") }
        guard !annotation.emotion.isEmpty else { throw fail("emotion is empty") }
        guard !annotation.backend.isEmpty else { throw fail("backend is empty") }
        do { try annotation.checkTextLimits() } catch let error as TextTooLong { throw fail(error.description) }
        let indices = annotation.stages.map(\.index)
        guard indices.allSatisfy({ (1...4).contains($0) }), Set(indices).count == indices.count else {
            throw fail("stage indices must be distinct and within 1...4 (got \(indices))")
        }
        guard !(annotation.coarsePrompt.isEmpty && annotation.finePrompt.isEmpty) else { throw fail("both prompts are empty") }
    }

    private func subjectID(for written: AnnotationSubject, db: any StoreDatabase, time: Date) throws -> Int64 {
        var subject = written
        subject.sourcePath = StoredPath.absolute(written.sourcePath)
        if let id = try Int64.fetchOne(
            db, sql: "SELECT id FROM subject WHERE source_path = ? AND kind = ? AND coalesce(content_hash, '') = coalesce(?, '')",
            arguments: [subject.sourcePath, subject.kind.rawValue, subject.contentHash]) {
            return id
        }
        try SubjectRow(
            id: nil, sourcePath: subject.sourcePath, kind: subject.kind.rawValue, actorId: subject.actorID, view: subject.view,
            contentHash: subject.contentHash, description: subject.description, createdAt: time
        ).insert(db)
        return db.lastInsertedRowID
    }

    static func severityRank(_ findings: [Finding]) -> Int {
        findings.map { FindingSeverity.allCases.firstIndex(of: $0.severity)! + 1 }.max() ?? 0
    }

    // MARK: Audit

    /// The part of an annotation's state an audit entry records before and after a change.
    struct AuditState: Codable {
        var status: ReviewStatus?
        var revision: Int?
        var claimedBy: String?
        var claimExpiresAt: Date?
        var coarse: String?
        var fine: String?
        var aus: [String]?
        var reason: String?
        var note: String?
        var decisionID: Int64?
        /// Set on an approval that overrode error findings (`force`), so the audit shows who kept them and when.
        var forced: Bool?
    }

    func audit(_ db: any StoreDatabase, curator: String, action: String, annotationID: Int64?, before: AuditState?, after: AuditState?) throws {
        try AuditRow(
            id: nil, at: now, curator: curator, action: action, annotationId: annotationID,
            beforeJson: try before.map { try ProjectJSON.string($0) }, afterJson: try after.map { try ProjectJSON.string($0) }
        ).insert(db)
    }

    func audit<Value: Encodable>(_ db: any StoreDatabase, curator: String, action: String, annotationID: Int64?, record: Value) throws {
        try AuditRow(
            id: nil, at: now, curator: curator, action: action, annotationId: annotationID, beforeJson: nil,
            afterJson: try ProjectJSON.string(record)
        ).insert(db)
    }

    func annotationRow(_ db: any StoreDatabase, id: Int64) throws -> AnnotationRow {
        guard let row = try AnnotationRow.fetchOne(db, key: [id]) else { throw StoreError.notFound(annotationID: id) }
        return row
    }

    func revisionRow(_ db: any StoreDatabase, annotationID: Int64, number: Int) throws -> RevisionRow {
        guard let row = try RevisionRow.fetchOne(db, key: [annotationID, number]) else {
            throw StoreError.invalidInput("annotation #\(annotationID) has no revision \(number)")
        }
        return row
    }
}
