import AnnotationRecord
import Foundation

/// A render job of one revision's prompts, recorded by the renderer.
public struct NewRender: Codable, Sendable, Equatable {
    public var annotationID: Int64
    public var revision: Int
    public var parametersJSON: String
    public var seed: Int64
    public var modelPath: String
    public var modelHash: String?

    public init(annotationID: Int64, revision: Int, parametersJSON: String, seed: Int64, modelPath: String, modelHash: String? = nil) {
        self.annotationID = annotationID
        self.revision = revision
        self.parametersJSON = parametersJSON
        self.seed = seed
        self.modelPath = modelPath
        self.modelHash = modelHash
    }
}

public enum RenderStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, done, failed
}

/// The files a finished render left, stored as the JSON array [video, first frame, contact sheet, manifest].
public struct RenderOutputs: Sendable, Equatable {
    public var video: String
    public var firstFrame: String
    public var contactSheet: String
    public var manifest: String

    public init(video: String, firstFrame: String, contactSheet: String, manifest: String) {
        (self.video, self.firstFrame, self.contactSheet, self.manifest) = (video, firstFrame, contactSheet, manifest)
    }

    var paths: [String] { [video, firstFrame, contactSheet, manifest] }

    init?(paths: [String]) {
        guard paths.count == 4 else { return nil }
        self.init(video: paths[0], firstFrame: paths[1], contactSheet: paths[2], manifest: paths[3])
    }
}

/// How far a render got and what it took; stored as a JSON object with the fields that are known.
public struct RenderTimings: Codable, Sendable, Equatable {
    public var windowsDone: Int?
    public var windowCount: Int?
    public var seconds: Double?
    public var secondsPerFrame: Double?

    public init(windowsDone: Int? = nil, windowCount: Int? = nil, seconds: Double? = nil, secondsPerFrame: Double? = nil) {
        (self.windowsDone, self.windowCount, self.seconds, self.secondsPerFrame) = (windowsDone, windowCount, seconds, secondsPerFrame)
    }
}

/// A recorded render: what was asked (`request`, whose fields read straight through) and how it went.
@dynamicMemberLookup
public struct RenderRecord: Sendable, Equatable {
    public var id: Int64
    public var request: NewRender
    /// The files of a done render; nil before it is done.
    public var outputs: RenderOutputs?
    public var timings: RenderTimings
    public var status: RenderStatus
    public var error: String?
    public var createdAt: Date
    public var updatedAt: Date

    public subscript<Value>(dynamicMember keyPath: KeyPath<NewRender, Value>) -> Value { request[keyPath: keyPath] }
}

/// A clip of the dataset that an annotation describes; the batch annotator links every clip of a unit.
public struct ClipLink: Codable, Sendable, Equatable {
    public var id: Int64?
    public var annotationID: Int64
    public var clipPath: String
    public var actorID: String?
    public var view: String?
    public var emotion: String?
    public var level: Int?

    public init(annotationID: Int64, clipPath: String, actorID: String? = nil, view: String? = nil, emotion: String? = nil, level: Int? = nil) {
        self.annotationID = annotationID
        self.clipPath = clipPath
        self.actorID = actorID
        self.view = view
        self.emotion = emotion
        self.level = level
    }
}

extension ProjectStore {
    /// Starts a render of an existing revision: one transaction records it as running, and first marks failed
    /// every running record of the same revision and parameters that `isAbandoned` says no live process holds (a
    /// run killed outright leaves its record running). Returns the new record's id.
    public func startRender(_ render: NewRender, isAbandoned: Bool) throws -> Int64 {
        guard StoredJSON.isValidObjectOrArray(render.parametersJSON) else {
            throw StoreError.invalidInput("render parameters are not a JSON object")
        }
        return try database.write { db in
            _ = try self.revisionRow(db, annotationID: render.annotationID, number: render.revision)
            let time = self.now
            if isAbandoned {
                try db.execute(
                    sql: """
                        UPDATE render SET status = ?, error = ?, updated_at = ?
                        WHERE annotation_id = ? AND revision = ? AND parameters_json = ? AND status = ?
                        """,
                    arguments: [
                        RenderStatus.failed.rawValue, "interrupted: the process rendering it ended before finishing", time,
                        render.annotationID, render.revision, render.parametersJSON, RenderStatus.running.rawValue,
                    ])
            }
            try RenderRow(
                id: nil, annotationId: render.annotationID, revision: render.revision, parametersJson: render.parametersJSON,
                seed: render.seed, modelPath: render.modelPath, modelHash: render.modelHash, outputsJson: "[]",
                timingsJson: "{}", status: RenderStatus.running.rawValue, error: nil, createdAt: time, updatedAt: time
            ).insert(db)
            let id = db.lastInsertedRowID
            try self.audit(db, curator: "renderer", action: "render.add", annotationID: render.annotationID, record: ["render_id": id])
            return id
        }
    }

    /// Notes that `done` of a running render's `count` windows are kept on disk.
    public func finishWindow(renderID: Int64, done: Int, of count: Int) throws {
        try updateRender(id: renderID, from: [.running]) { row in
            row.timingsJson = try ProjectJSON.string(RenderTimings(windowsDone: done, windowCount: count))
        }
    }

    /// Marks a running render done with the files it left and what it took. With `renderItem`, the render farm's
    /// item that `worker` rendered is marked done with it in the same transaction, and neither happens when the
    /// worker no longer holds the item (`renderLeaseLost`), so a pair is never recorded done twice.
    public func finishRender(id: Int64, outputs: RenderOutputs, timings: RenderTimings, renderItem: (id: Int64, worker: String)? = nil) throws {
        try updateRender(id: id, from: [.running], also: { db in
            if let renderItem { try self.settleRenderItem(db, itemID: renderItem.id, worker: renderItem.worker, status: .done, renderID: id, error: nil) }
        }) { row in
            row.status = RenderStatus.done.rawValue
            row.outputsJson = try ProjectJSON.string(outputs.paths)
            row.timingsJson = try ProjectJSON.string(timings)
            row.error = nil
        }
    }

    /// Marks a queued or running render failed, with the reason.
    public func failRender(id: Int64, reason: String) throws {
        try updateRender(id: id, from: [.queued, .running]) { row in
            row.status = RenderStatus.failed.rawValue
            row.error = reason
        }
    }

    /// One render's row changed in one transaction, when it is in one of `statuses`.
    private func updateRender(id: Int64, from statuses: Set<RenderStatus>, also: (any StoreDatabase) throws -> Void = { _ in },
                              _ change: (inout RenderRow) throws -> Void) throws {
        try database.write { db in
            guard var row = try RenderRow.fetchOne(db, key: [id]) else { throw StoreError.invalidInput("no render #\(id)") }
            guard let status = RenderStatus(rawValue: row.status), statuses.contains(status) else {
                throw StoreError.invalidInput("render #\(id) is \(row.status), not \(statuses.map(\.rawValue).sorted().joined(separator: " or "))")
            }
            try change(&row)
            row.updatedAt = self.now
            try db.execute(
                sql: "UPDATE render SET status = ?, outputs_json = ?, timings_json = ?, error = ?, updated_at = ? WHERE id = ?",
                arguments: [row.status, row.outputsJson, row.timingsJson, row.error, row.updatedAt, id])
            try also(db)
        }
    }

    public func renders(annotationID: Int64? = nil, status: RenderStatus? = nil) throws -> [RenderRecord] {
        var conditions: [String] = []
        var arguments = StoreArguments()
        if let annotationID {
            conditions.append("annotation_id = ?")
            arguments.append(annotationID)
        }
        if let status {
            conditions.append("status = ?")
            arguments.append(status.rawValue)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read { db in
            try RenderRow.fetchAll(db, sql: "SELECT * FROM render \(whereClause) ORDER BY id", arguments: arguments).map {
                RenderRecord(
                    id: $0.id!,
                    request: NewRender(
                        annotationID: $0.annotationId, revision: $0.revision, parametersJSON: $0.parametersJson, seed: $0.seed,
                        modelPath: $0.modelPath, modelHash: $0.modelHash),
                    outputs: (try? ProjectJSON.decode([String].self, from: $0.outputsJson)).flatMap(RenderOutputs.init(paths:)),
                    timings: (try? ProjectJSON.decode(RenderTimings.self, from: $0.timingsJson)) ?? RenderTimings(),
                    status: RenderStatus(rawValue: $0.status)!, error: $0.error,
                    createdAt: $0.createdAt, updatedAt: $0.updatedAt)
            }
        }
    }

    /// Links a clip to an annotation; linking the same clip twice keeps one link. Returns the link's id.
    @discardableResult
    public func addClipLink(_ written: ClipLink) throws -> Int64 {
        var link = written
        link.clipPath = StoredPath.absolute(written.clipPath)
        if let level = link.level, !(1...3).contains(level) {
            throw StoreError.invalidInput("clip level \(level) is not 1, 2 or 3")
        }
        return try database.write { db in
            _ = try self.annotationRow(db, id: link.annotationID)
            if let id = try Int64.fetchOne(
                db, sql: "SELECT id FROM clip_link WHERE annotation_id = ? AND clip_path = ?", arguments: [link.annotationID, link.clipPath]) {
                return id
            }
            try ClipLinkRow(
                id: nil, annotationId: link.annotationID, clipPath: link.clipPath, actorId: link.actorID, view: link.view,
                emotion: link.emotion, level: link.level
            ).insert(db)
            return db.lastInsertedRowID
        }
    }

    /// Links of one annotation, or every annotation linked to one clip path.
    public func clipLinks(annotationID: Int64? = nil, clipPath: String? = nil) throws -> [ClipLink] {
        var conditions: [String] = []
        var arguments = StoreArguments()
        if let annotationID {
            conditions.append("annotation_id = ?")
            arguments.append(annotationID)
        }
        if let clipPath {
            conditions.append("clip_path = ?")
            arguments.append(StoredPath.absolute(clipPath))
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try database.read { db in
            try ClipLinkRow.fetchAll(db, sql: "SELECT * FROM clip_link \(whereClause) ORDER BY id", arguments: arguments).map {
                ClipLink(annotationID: $0.annotationId, clipPath: $0.clipPath, actorID: $0.actorId, view: $0.view, emotion: $0.emotion, level: $0.level)
                    .with(id: $0.id)
            }
        }
    }
}

extension ClipLink {
    fileprivate func with(id: Int64?) -> ClipLink {
        var copy = self
        copy.id = id
        return copy
    }
}
