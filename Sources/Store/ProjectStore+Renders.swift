import Foundation
import GRDB

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

/// A recorded render: what was asked (`request`, whose fields read straight through) and how it went.
@dynamicMemberLookup
public struct RenderRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var request: NewRender
    public var outputsJSON: String
    public var timingsJSON: String
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
    /// Records a queued render of an existing revision; returns its id.
    public func addRender(_ render: NewRender) throws -> Int64 {
        guard StoredJSON.isValidObjectOrArray(render.parametersJSON) else {
            throw StoreError.invalidInput("render parameters are not a JSON object")
        }
        return try pool.write { db in
            _ = try self.revisionRow(db, annotationID: render.annotationID, number: render.revision)
            let time = self.now
            try RenderRow(
                id: nil, annotationId: render.annotationID, revision: render.revision, parametersJson: render.parametersJSON,
                seed: render.seed, modelPath: render.modelPath, modelHash: render.modelHash, outputsJson: "[]",
                timingsJson: "{}", status: RenderStatus.queued.rawValue, error: nil, createdAt: time, updatedAt: time
            ).insert(db)
            let id = db.lastInsertedRowID
            try self.audit(db, curator: "renderer", action: "render.add", annotationID: render.annotationID, record: ["render_id": id])
            return id
        }
    }

    /// Moves a render on: its status, and when known its output files, timings and error.
    public func updateRender(id: Int64, status: RenderStatus, outputsJSON: String? = nil, timingsJSON: String? = nil, error: String? = nil) throws {
        for json in [outputsJSON, timingsJSON].compactMap({ $0 }) where !StoredJSON.isValidObjectOrArray(json) {
            throw StoreError.invalidInput("render outputs and timings must be JSON")
        }
        try pool.write { db in
            guard var row = try RenderRow.fetchOne(db, key: id) else {
                throw StoreError.invalidInput("no render #\(id)")
            }
            row.status = status.rawValue
            if let outputsJSON { row.outputsJson = outputsJSON }
            if let timingsJSON { row.timingsJson = timingsJSON }
            row.error = error
            row.updatedAt = self.now
            try row.update(db)
        }
    }

    public func renders(annotationID: Int64? = nil, status: RenderStatus? = nil) throws -> [RenderRecord] {
        var request = RenderRow.order(Column("id"))
        if let annotationID { request = request.filter(Column("annotation_id") == annotationID) }
        if let status { request = request.filter(Column("status") == status.rawValue) }
        return try pool.read { db in
            try request.fetchAll(db).map {
                RenderRecord(
                    id: $0.id!,
                    request: NewRender(
                        annotationID: $0.annotationId, revision: $0.revision, parametersJSON: $0.parametersJson, seed: $0.seed,
                        modelPath: $0.modelPath, modelHash: $0.modelHash),
                    outputsJSON: $0.outputsJson,
                    timingsJSON: $0.timingsJson, status: RenderStatus(rawValue: $0.status)!, error: $0.error,
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
        return try pool.write { db in
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
        var request = ClipLinkRow.order(Column("id"))
        if let annotationID { request = request.filter(Column("annotation_id") == annotationID) }
        if let clipPath { request = request.filter(Column("clip_path") == StoredPath.absolute(clipPath)) }
        return try pool.read { db in
            try request.fetchAll(db).map {
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
