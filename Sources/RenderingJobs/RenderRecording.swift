import Foundation
import Store

/// One clip's record in the store, when the job has a store: the transactions of a render (start, each window
/// kept, done or failed), each store error turned into a `RenderJobError` in one place.
struct RenderRecording {
    private let store: ProjectStore?
    /// The record's id in the store; nil without a store.
    let id: Int64?

    /// Starts the record through `start`, which returns its id; without a store nothing is recorded.
    init(store: ProjectStore?, start: (ProjectStore) throws -> Int64) throws {
        self.store = store
        id = try store.map { store in try Self.storeCall { try start(store) } }
    }

    /// Applies `change` to the store and the record's id.
    func update(_ change: (ProjectStore, Int64) throws -> Void) throws {
        guard let store, let id else { return }
        try Self.storeCall { try change(store, id) }
    }

    /// Marks the render failed; a store that cannot say so does not hide the render's own error.
    func fail(_ reason: String) {
        guard let store, let id else { return }
        try? store.failRender(id: id, reason: reason)
    }

    /// Runs a store call, turning its errors into `RenderJobError.store`.
    static func storeCall<Value>(_ body: () throws -> Value) throws -> Value {
        do { return try body() } catch let error as RenderJobError { throw error } catch {
            throw RenderJobError.store("\(error)")
        }
    }
}
