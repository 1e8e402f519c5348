import AnnotationRecord
import ContentHashing
import Foundation
import Renderer
import Store

/// One worker of a render farm (`tbd render --worker NAME`): queues the store's approved pairs for its settings,
/// then takes one item at a time under a lease, renders it into the shared output folder, records it and takes the
/// next, until the queue is empty (or, with a poll interval, until stopped). Any number of workers on any number of
/// machines share one queue through the store. The lease is renewed while a clip renders; a worker that dies leaves
/// its lease to run out, and the worker that takes the item over resumes the clip from the windows the dead one
/// finished, since they live in the shared folder under the clip's name.
public struct RenderWorker {
    public enum Event {
        /// The approved pairs were queued: `added` new (or failed ones put back), `total` in this settings' queue.
        case queued(added: Int, total: Int, settingsHash: String)
        case took(RenderItem)
        case render(RenderJob.Event)
        case done(RenderItem, RenderOutcome)
        case failed(RenderItem, reason: String)
        /// The lease ran out while this worker rendered, and another worker has the item now.
        case leaseLost(RenderItem)
        /// Nothing to take; polling again in a while.
        case idle
    }

    /// What one worker did.
    public struct Summary: Codable, Sendable, Equatable {
        public var settingsHash: String
        public var rendered = 0
        /// Items found rendered already (a worker that died after recording its render but before marking the item).
        public var skipped = 0
        public var failed = 0
        public var leasesLost = 0
    }

    public let job: RenderJob
    public let name: String
    public let lease: TimeInterval
    /// With a value, an empty queue is polled again after this many seconds until `shouldStop`; without, the
    /// worker ends when the queue is empty.
    public let poll: TimeInterval?
    public let retryFailed: Bool
    private let store: ProjectStore
    /// Finds a taken item's pair among every approved pair, whatever `--emotion` or `--limit` this worker queued.
    private let lookup: RenderJob

    public init(settings: RenderSettings, store: ProjectStore, name: String, lease: TimeInterval = 300,
                poll: TimeInterval? = nil, retryFailed: Bool = false) throws {
        guard lease >= 1, lease.isFinite else { throw RenderJobError.invalidSettings("--lease must be at least 1 second, not \(lease)") }
        if let poll, !(poll > 0 && poll.isFinite) { throw RenderJobError.invalidSettings("the poll interval must be positive") }
        job = try RenderJob(source: .approved, settings: settings, store: store)
        var unfiltered = settings
        unfiltered.emotion = nil
        unfiltered.limit = nil
        lookup = try RenderJob(source: .approved, settings: unfiltered, store: store)
        self.store = store
        self.name = name
        self.lease = lease
        self.poll = poll
        self.retryFailed = retryFailed
    }

    /// Works the queue until it is empty (or, polling, until `shouldStop`). A stop between denoising steps gives the
    /// item back to the queue, keeps its finished windows, and throws `RenderJobError.interrupted`.
    public func run(shouldStop: @escaping () -> Bool = { false }, report: (Event) -> Void = { _ in }) throws -> Summary {
        let inputs = try job.loadInputs { report(.render($0)) }
        let hash = try Self.settingsHash(job.settings, modelHash: inputs.modelHash)
        var summary = Summary(settingsHash: hash)
        var pairs: [String: PromptPair] = [:]
        var total = 0
        func enqueue() throws {
            let wanted = try job.pairs()
            let added = try RenderRecording.storeCall {
                try store.enqueueRenders(wanted.map { ($0.annotationID, $0.revision) }, settingsHash: hash, retryFailed: retryFailed)
            }
            total = try RenderRecording.storeCall { try store.renderItems(settingsHash: hash).count }
            report(.queued(added: added, total: total, settingsHash: hash))
        }
        func findPair(of item: RenderItem) throws -> PromptPair? {
            let key = "\(item.annotationID)/\(item.revision)"
            if let known = pairs[key] { return known }
            pairs = Dictionary(try lookup.pairs().map { ("\($0.annotationID)/\($0.revision)", $0) }, uniquingKeysWith: { first, _ in first })
            return pairs[key]
        }
        try enqueue()
        while !shouldStop() {
            guard let item = try RenderRecording.storeCall({ try store.takeRenderItem(settingsHash: hash, worker: name, lease: lease) }) else {
                // Items other workers hold may come back (a worker that dies leaves its lease to run out): the queue
                // is empty only when every item is done or failed.
                if let expiry = try RenderRecording.storeCall({
                    try store.renderItems(settingsHash: hash).filter { $0.status == .leased }.compactMap(\.leaseExpiresAt).min()
                }) {
                    let pause = min(2, max(0.2, expiry.timeIntervalSinceNow))
                    let until = Date().addingTimeInterval(pause)
                    while Date() < until, !shouldStop() { usleep(50_000) }
                    continue
                }
                guard let poll else { break }
                report(.idle)
                let until = Date().addingTimeInterval(poll)
                while Date() < until, !shouldStop() { usleep(100_000) }
                if !shouldStop() { try enqueue() }
                continue
            }
            report(.took(item))
            guard let pair = try findPair(of: item) else {
                let reason = "annotation \(item.annotationID) is no longer approved at revision \(item.revision)"
                try settle(item, summary: &summary, report: report) { try store.failRenderItem(itemID: item.id, worker: name, reason: reason) }
                report(.failed(item, reason: reason))
                summary.failed += 1
                continue
            }
            var renewed = Date()
            var lost = false
            let outcome: RenderOutcome
            do {
                outcome = try job.render(pair, index: summary.rendered + summary.skipped, count: total, inputs: inputs,
                                         shouldStop: shouldStop, heartbeat: {
                    // A third of the lease between renewals, so a renewal that fails (a server briefly away) is tried
                    // again at the next step before the lease runs out. Only a lease another worker took stops the
                    // render; if the lease runs out all the same, recording the render done is refused.
                    guard Date().timeIntervalSince(renewed) >= lease / 3 else { return }
                    do { try store.renewRenderLease(itemID: item.id, worker: name, lease: lease) } catch StoreError.renderLeaseLost {
                        lost = true
                        throw StoreError.renderLeaseLost(itemID: item.id, worker: name)
                    } catch {
                        return
                    }
                    renewed = Date()
                }, renderItem: (item.id, name), report: { report(.render($0)) })
            } catch RenderJobError.interrupted(let clip) {
                // Ctrl-C: the item goes back to the queue at once, for this worker or another to resume.
                try? store.releaseRenderItem(itemID: item.id, worker: name)
                throw RenderJobError.interrupted(name: clip)
            } catch let error as RenderJobError {
                if lost {
                    report(.leaseLost(item))
                    summary.leasesLost += 1
                    continue
                }
                try settle(item, summary: &summary, report: report) {
                    try store.failRenderItem(itemID: item.id, worker: name, reason: error.description)
                }
                report(.failed(item, reason: error.description))
                summary.failed += 1
                continue
            }
            if outcome.status == .skipped {
                // Rendered and recorded before, by a worker that died before it could mark the item.
                guard let renderID = outcome.renderID else { throw RenderJobError.store("the render of \(outcome.name) has no record in the store") }
                guard try settle(item, summary: &summary, report: report, { try store.finishRenderItem(itemID: item.id, worker: name, renderID: renderID) })
                else { continue }
            }
            if outcome.status == .rendered { summary.rendered += 1 } else { summary.skipped += 1 }
            report(.done(item, outcome))
        }
        return summary
    }

    /// Runs a change that needs this worker's lease; a lease lost meanwhile is reported and counted, and false.
    @discardableResult
    private func settle(_ item: RenderItem, summary: inout Summary, report: (Event) -> Void, _ change: () throws -> Void) throws -> Bool {
        do { try RenderRecording.storeCall { try change() } } catch RenderJobError.store where (try? isLost(item)) == true {
            report(.leaseLost(item))
            summary.leasesLost += 1
            return false
        }
        return true
    }

    /// Whether another worker holds or finished the item now.
    private func isLost(_ item: RenderItem) throws -> Bool {
        guard let now = try store.renderItems(settingsHash: item.settingsHash).first(where: { $0.id == item.id }) else { return true }
        return !(now.status == .leased && now.worker == name)
    }

    /// The SHA-256 of everything every clip of a run shares: the settings that change a clip's pixels and the
    /// model's content (not its path), with a named reference, speech or noise file by its content. Workers on
    /// several machines with the same settings share one queue; `--out`, `--emotion` and `--limit` change no pixel.
    public static func settingsHash(_ settings: RenderSettings, modelHash: String) throws -> String {
        func file(_ option: String?) throws -> String? {
            guard let option, option != "auto", option != "none" else { return option }
            guard FileManager.default.fileExists(atPath: option) else { throw RenderJobError.missingInput("the file \(option) does not exist") }
            return "sha256:" + (try RenderJob.contentHash(option))
        }
        let key = QueueKey(
            model: modelHash, steps: settings.steps, split: settings.split, blend: settings.blend.rawValue, alphaMax: settings.alphaMax,
            alphaMin: settings.alphaMin, sampler: settings.sampler.name, precision: settings.precision.rawValue,
            cfg: settings.guidanceScale, seed: settings.seed, noise: try file(settings.noisePath), frames: settings.frames,
            fps: settings.fps, window: settings.window, motionFrames: settings.motionFrames, size: settings.size,
            reference: try file(settings.reference), crop: settings.crop?.rawValue, strength: settings.strength,
            audio: try file(settings.audio))
        return SHA256Digest.hex(of: try ProjectJSON.string(key))
    }

    private struct QueueKey: Encodable {
        var model: String
        var steps: Int
        var split: Double
        var blend: String
        var alphaMax: Double
        var alphaMin: Double
        var sampler: String
        var precision: String
        var cfg: Float
        var seed: UInt64
        var noise: String?
        var frames: Int
        var fps: Int
        var window: Int
        var motionFrames: Int
        var size: Int?
        var reference: String?
        var crop: String?
        var strength: Float
        var audio: String?
    }
}
