import GRDB

/// The store's schema as named, ordered migrations. A migration, once released, never changes: new needs get a
/// new migration appended at the end.
public enum StoreSchema {
    public static let migrationNames = [
        "v1-review-core", "v2-render-and-clip-link", "v3-batch-unit-and-call-cache", "v4-failed-annotation",
        "v5-curator-skips", "v6-review-overlap", "v7-failed-annotation-retry", "v8-reference-face", "v9-render-queue",
        "v10-status-count-lock-order",
    ]

    /// All migrations, or only those up to and including `last` (tests build older databases with it).
    public static func migrator(upTo last: String? = nil) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        let all: [(String, @Sendable (Database) throws -> Void)] = [
            (migrationNames[0], { try createReviewCore($0) }),
            (migrationNames[1], { try createRenderAndClipLink($0) }),
            (migrationNames[2], { try createBatchUnitAndCallCache($0) }),
            ("v4-failed-annotation", { try createFailedAnnotation($0) }),
            ("v5-curator-skips", { try createCuratorSkips($0) }),
            ("v6-review-overlap", { try createReviewOverlap($0) }),
            ("v7-failed-annotation-retry", { try addFailedAnnotationRetry($0) }),
            ("v8-reference-face", { try createReferenceFace($0) }),
            ("v9-render-queue", { try createRenderQueue($0) }),
            // PostgreSQL's status-count trigger locks its rows in a fixed order from v10 on. SQLite has one writer
            // at a time for the whole file, so the order cannot matter there and the migration changes nothing.
            ("v10-status-count-lock-order", { _ in }),
        ]
        for (name, body) in all {
            migrator.registerMigration(name, migrate: body)
            if name == last { break }
        }
        return migrator
    }

    private static func createReviewCore(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE subject (
                id INTEGER PRIMARY KEY,
                source_path TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('image', 'clip', 'unit')),
                actor_id TEXT,
                view TEXT,
                content_hash TEXT,
                description TEXT,
                created_at DATETIME NOT NULL
            );
            CREATE UNIQUE INDEX subject_identity ON subject (source_path, kind, ifnull(content_hash, ''));
            CREATE INDEX subject_actor ON subject (actor_id);

            CREATE TABLE annotation (
                id INTEGER PRIMARY KEY,
                subject_id INTEGER NOT NULL REFERENCES subject (id),
                emotion TEXT NOT NULL,
                level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
                mode TEXT NOT NULL,
                backend TEXT NOT NULL,
                endpoint TEXT,
                model_id TEXT,
                template_version TEXT NOT NULL,
                stages_json TEXT NOT NULL,
                provenance_json TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
                current_revision INTEGER NOT NULL DEFAULT 1 CHECK (current_revision >= 1),
                finding_severity INTEGER NOT NULL DEFAULT 0,
                claimed_by TEXT,
                claim_expires_at DATETIME,
                decided_by TEXT,
                decided_at DATETIME,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL
            );
            CREATE INDEX annotation_status ON annotation (status, id);
            CREATE INDEX annotation_emotion ON annotation (emotion, level, status);
            CREATE INDEX annotation_subject ON annotation (subject_id);
            CREATE INDEX annotation_backend ON annotation (backend);

            -- Every version of the prompts; an edit appends one, nothing rewrites one.
            CREATE TABLE revision (
                annotation_id INTEGER NOT NULL REFERENCES annotation (id),
                number INTEGER NOT NULL CHECK (number >= 1),
                coarse_prompt TEXT NOT NULL,
                fine_prompt TEXT NOT NULL,
                aus_json TEXT NOT NULL,
                findings_json TEXT NOT NULL,
                author TEXT NOT NULL,
                created_at DATETIME NOT NULL,
                PRIMARY KEY (annotation_id, number)
            );
            CREATE TRIGGER revision_no_update BEFORE UPDATE ON revision
                BEGIN SELECT RAISE(ABORT, 'revisions are never overwritten'); END;
            CREATE TRIGGER revision_no_delete BEFORE DELETE ON revision
                BEGIN SELECT RAISE(ABORT, 'revisions are never deleted'); END;

            CREATE TABLE decision (
                id INTEGER PRIMARY KEY,
                annotation_id INTEGER NOT NULL REFERENCES annotation (id),
                action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'edit', 'undo')),
                reason TEXT,
                note TEXT,
                curator TEXT NOT NULL,
                status_before TEXT NOT NULL,
                status_after TEXT NOT NULL,
                revision_before INTEGER NOT NULL,
                revision_after INTEGER NOT NULL,
                undoes_decision_id INTEGER UNIQUE REFERENCES decision (id),
                created_at DATETIME NOT NULL
            );
            CREATE INDEX decision_curator ON decision (curator, id);
            CREATE INDEX decision_annotation ON decision (annotation_id, id);
            CREATE TRIGGER decision_no_update BEFORE UPDATE ON decision
                BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
            CREATE TRIGGER decision_no_delete BEFORE DELETE ON decision
                BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;

            CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY,
                at DATETIME NOT NULL,
                curator TEXT NOT NULL,
                action TEXT NOT NULL,
                annotation_id INTEGER,
                before_json TEXT,
                after_json TEXT
            );
            CREATE INDEX audit_annotation ON audit_log (annotation_id, id);
            CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

            -- Counts per status kept by triggers, so the status line costs one indexed read on any size of queue.
            CREATE TABLE status_count (status TEXT PRIMARY KEY, count INTEGER NOT NULL);
            INSERT INTO status_count (status, count) VALUES ('pending', 0), ('approved', 0), ('rejected', 0);
            CREATE TRIGGER status_count_insert AFTER INSERT ON annotation
                BEGIN UPDATE status_count SET count = count + 1 WHERE status = NEW.status; END;
            CREATE TRIGGER status_count_update AFTER UPDATE OF status ON annotation WHEN OLD.status <> NEW.status
                BEGIN
                    UPDATE status_count SET count = count - 1 WHERE status = OLD.status;
                    UPDATE status_count SET count = count + 1 WHERE status = NEW.status;
                END;
            CREATE TRIGGER status_count_delete AFTER DELETE ON annotation
                BEGIN UPDATE status_count SET count = count - 1 WHERE status = OLD.status; END;
            """)
    }

    /// The batch annotator's progress (one row per unit that finished or failed, so a re-run skips done units and a
    /// failed unit keeps its error and attempt count) and its cache of model replies.
    private static func createBatchUnitAndCallCache(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE batch_unit (
                unit_key TEXT PRIMARY KEY,
                status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
                annotation_id INTEGER REFERENCES annotation (id),
                attempts INTEGER NOT NULL CHECK (attempts >= 1),
                error TEXT,
                updated_at DATETIME NOT NULL,
                CHECK ((status = 'done') = (annotation_id IS NOT NULL))
            );
            CREATE INDEX batch_unit_status ON batch_unit (status);

            -- Model replies by content address (SHA-256 of the request: endpoint, model, messages, image,
            -- parameters), so a repeated request costs no call, across runs.
            CREATE TABLE call_cache (
                request_hash TEXT PRIMARY KEY,
                response BLOB NOT NULL,
                created_at DATETIME NOT NULL
            );
            """)
    }

    /// Items a curator skipped: their queue offers them again only after everything else (a skip is "not now",
    /// and must not bring the same item back first the next time the queue opens).
    private static func createCuratorSkips(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE curator_skip (
                annotation_id INTEGER NOT NULL REFERENCES annotation (id),
                curator TEXT NOT NULL,
                skipped_at DATETIME NOT NULL,
                PRIMARY KEY (annotation_id, curator)
            ) WITHOUT ROWID;
            """)
    }

    /// Several curators per item: the overlap setting, and the items whose curators disagreed, waiting for a
    /// reviewer. Each curator's response is an ordinary decision row (pending to pending until the last one).
    private static func createReviewOverlap(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE review_setting (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            CREATE TABLE review_conflict (
                annotation_id INTEGER NOT NULL REFERENCES annotation (id),
                revision INTEGER NOT NULL,
                opened_at DATETIME NOT NULL,
                resolved_by TEXT,
                resolved_at DATETIME,
                PRIMARY KEY (annotation_id, revision)
            ) WITHOUT ROWID;
            CREATE INDEX review_conflict_open ON review_conflict (annotation_id) WHERE resolved_at IS NULL;
            """)
    }

    private static func createRenderAndClipLink(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE render (
                id INTEGER PRIMARY KEY,
                annotation_id INTEGER NOT NULL,
                revision INTEGER NOT NULL,
                parameters_json TEXT NOT NULL,
                seed INTEGER NOT NULL,
                model_path TEXT NOT NULL,
                model_hash TEXT,
                outputs_json TEXT NOT NULL DEFAULT '[]',
                timings_json TEXT NOT NULL DEFAULT '{}',
                status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
                error TEXT,
                created_at DATETIME NOT NULL,
                updated_at DATETIME NOT NULL,
                FOREIGN KEY (annotation_id, revision) REFERENCES revision (annotation_id, number)
            );
            CREATE INDEX render_annotation ON render (annotation_id, revision);
            CREATE INDEX render_status ON render (status);

            CREATE TABLE clip_link (
                id INTEGER PRIMARY KEY,
                annotation_id INTEGER NOT NULL REFERENCES annotation (id),
                clip_path TEXT NOT NULL,
                actor_id TEXT,
                view TEXT,
                emotion TEXT,
                level INTEGER CHECK (level IS NULL OR level BETWEEN 1 AND 3),
                UNIQUE (annotation_id, clip_path)
            );
            CREATE INDEX clip_link_path ON clip_link (clip_path);
            """)
    }

    /// Items the pipeline could not annotate (a stage still unusable after its repair turn, a server that kept
    /// failing), kept whole so nothing is lost: the error and every stage that ran, raw replies included. A table of
    /// their own, not a status of `annotation`: a failure has no prompts, no revision and no review decisions, and
    /// the review queue's invariants (every annotation has a current revision) stay as they are.
    private static func createFailedAnnotation(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE failed_annotation (
                id INTEGER PRIMARY KEY,
                source_path TEXT NOT NULL,
                subject_kind TEXT NOT NULL,
                content_hash TEXT,
                actor_id TEXT,
                view TEXT,
                description TEXT,
                emotion TEXT NOT NULL,
                level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
                mode TEXT NOT NULL,
                backend TEXT NOT NULL,
                endpoint TEXT,
                model TEXT,
                stage_index INTEGER NOT NULL CHECK (stage_index >= 1),
                stage_title TEXT NOT NULL,
                error TEXT NOT NULL,
                transcript_json TEXT NOT NULL,
                record_path TEXT,
                created_at DATETIME NOT NULL
            );
            CREATE INDEX failed_annotation_emotion ON failed_annotation (emotion, level);
            CREATE INDEX failed_annotation_source ON failed_annotation (source_path);
            """)
    }

    /// What a retry of a failed item needs and leaves: whether the image was described in words instead of sent
    /// (`text_only`), and when the item was retried with what came of it, an annotation or a new failed item. A
    /// retried item stays, with its transcript; it only leaves the list of open failures.
    private static func addFailedAnnotationRetry(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE failed_annotation ADD COLUMN text_only INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE failed_annotation ADD COLUMN retried_at DATETIME;
            ALTER TABLE failed_annotation ADD COLUMN retried_annotation_id INTEGER REFERENCES annotation (id);
            ALTER TABLE failed_annotation ADD COLUMN retried_failed_id INTEGER REFERENCES failed_annotation (id);
            CREATE INDEX failed_annotation_open ON failed_annotation (id) WHERE retried_at IS NULL;
            """)
    }

    /// The face the batch run's face check found in a reference frame, keyed by the frame's content hash (the hash
    /// `subject.content_hash` keeps), so every annotation made from that frame finds it, and the review picture can
    /// show the face. A table keyed by the frame rather than columns on `subject`: a subject row is written with its
    /// annotation, while the face belongs to the frame, whoever annotates it.
    private static func createReferenceFace(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE reference_face (
                content_hash TEXT PRIMARY KEY CHECK (length(content_hash) > 0),
                x1 REAL NOT NULL,
                y1 REAL NOT NULL,
                x2 REAL NOT NULL,
                y2 REAL NOT NULL,
                probability REAL NOT NULL CHECK (probability BETWEEN 0 AND 1),
                landmarks_json TEXT NOT NULL,
                frame_width INTEGER NOT NULL CHECK (frame_width >= 1),
                frame_height INTEGER NOT NULL CHECK (frame_height >= 1),
                frame_index INTEGER NOT NULL CHECK (frame_index >= 0),
                frame_seconds REAL CHECK (frame_seconds IS NULL OR frame_seconds >= 0),
                detector TEXT NOT NULL,
                detected_at DATETIME NOT NULL,
                CHECK (x2 >= x1 AND y2 >= y1)
            ) WITHOUT ROWID;
            """)
    }

    /// The render farm's queue: one row per approved pair (annotation, revision) and settings (`settings_hash`, the
    /// SHA-256 of what every clip of a render run shares), leased by one worker at a time until `lease_expires_at`,
    /// then done with the render it made, or failed. An expired lease is free for any worker to take over.
    private static func createRenderQueue(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE render_item (
                id INTEGER PRIMARY KEY,
                annotation_id INTEGER NOT NULL,
                revision INTEGER NOT NULL,
                settings_hash TEXT NOT NULL CHECK (length(settings_hash) > 0),
                status TEXT NOT NULL CHECK (status IN ('waiting', 'leased', 'done', 'failed')),
                worker TEXT,
                leased_at DATETIME,
                lease_expires_at DATETIME,
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                render_id INTEGER REFERENCES render (id),
                error TEXT,
                created_at DATETIME NOT NULL,
                finished_at DATETIME,
                FOREIGN KEY (annotation_id, revision) REFERENCES revision (annotation_id, number),
                UNIQUE (annotation_id, revision, settings_hash),
                CHECK ((status = 'leased') = (worker IS NOT NULL AND lease_expires_at IS NOT NULL)),
                CHECK ((status = 'done') = (render_id IS NOT NULL))
            );
            CREATE INDEX render_item_next ON render_item (settings_hash, status, id);
            """)
    }
}
