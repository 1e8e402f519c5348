import Foundation
import WorkerThreads
import MediaIO
import Store

/// Runs a plan's units on `concurrency` threads: for each unit, a reference frame from the cache (trying the
/// unit's clips in order until one decodes), the annotator, then one transaction that stores the annotation,
/// links every clip and marks the unit done. Done units are skipped, failed ones keep their error and attempt
/// count and run again only with `retryFailed`, so a killed run resumes where it stopped without duplicates.
public struct BatchRunner: Sendable {
    public let store: ProjectStore
    public let frames: ReferenceFrameCache
    public let annotator: any UnitAnnotating
    public let concurrency: Int
    public let retryFailed: Bool
    public let frameChoice: FrameChoice

    public init(
        store: ProjectStore, frames: ReferenceFrameCache, annotator: any UnitAnnotating, concurrency: Int = 4,
        retryFailed: Bool = false, frameChoice: FrameChoice = .middle
    ) {
        self.store = store
        self.frames = frames
        self.annotator = annotator
        self.concurrency = max(1, concurrency)
        self.retryFailed = retryFailed
        self.frameChoice = frameChoice
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var units: Int
        public var alreadyDone: Int
        public var previouslyFailedNotRetried: Int
        public var annotated: Int
        public var failed: Int
        public var clipsLinked: Int
        public var framesDecoded: Int
        public var framesFromCache: Int
        /// Unit key to error, for the units that failed in this run.
        public var errors: [String: String]
        /// Clip path to error, for clips that could not be read: they are not linked, their unit goes on.
        public var unreadableClips: [String: String]
    }

    /// The units a run would work on, given what the store already records.
    public func pending(_ units: [AnnotationUnit]) throws -> (todo: [AnnotationUnit], done: Int, failedKept: Int) {
        let recorded = try store.batchUnits()
        var todo: [AnnotationUnit] = []
        var done = 0, failedKept = 0
        for unit in units {
            switch recorded[unit.key]?.status {
            case .done?: done += 1
            case .failed? where !retryFailed: failedKept += 1
            default: todo.append(unit)
            }
        }
        return (todo, done, failedKept)
    }

    public func run(_ units: [AnnotationUnit], progress: BatchProgress? = nil) throws -> Summary {
        let (todo, done, failedKept) = try pending(units)
        let recorded = try store.batchUnits()
        let finished = units.compactMap { unit in
            recorded[unit.key].flatMap { $0.status == .done ? $0.annotationID : nil }.map { (unit: unit, annotationID: $0) }
        }
        let tally = Tally()
        // Units done by an earlier run may have gained clips (more views, a larger clip limit): link those.
        WorkerPool.forEach(count: finished.count, threads: concurrency) { index in
            tally.recordLinks(finished[index].unit.key, self.linkNewClips(finished[index].unit, annotationID: finished[index].annotationID))
        }
        WorkerPool.forEach(count: todo.count, threads: concurrency) { index in
            let outcome = self.process(todo[index])
            tally.record(todo[index].key, outcome)
            progress?.unitFinished(failed: outcome.error != nil)
        }
        progress?.finish()
        return tally.summary(units: units.count, alreadyDone: done, failedKept: failedKept)
    }

    /// Links the clips of a done unit that its annotation does not have yet, each opened first like any clip.
    private func linkNewClips(_ unit: AnnotationUnit, annotationID id: Int64) -> Outcome {
        var outcome = Outcome()
        do {
            let linked = Set(try store.clipLinks(annotationID: id).map(\.clipPath))
            var fresh: [ClipLink] = []
            for clip in unit.clips where !linked.contains(StoredPath.absolute(clip.path)) {
                do {
                    _ = try MediaProbe.probe(path: clip.path)
                    fresh.append(ClipLink(annotationID: id, clipPath: clip.path, actorID: clip.actor, view: clip.view, emotion: clip.emotion, level: clip.level))
                } catch {
                    outcome.unreadable[clip.path] = "\(error)"
                }
            }
            guard !fresh.isEmpty else { return outcome }
            outcome.clipsLinked = try store.linkClipsToDoneUnit(key: unit.key, clips: fresh) ?? 0
        } catch {
            outcome.error = "linking new clips of \(unit.key): \(error)"
        }
        return outcome
    }

    struct Outcome {
        var error: String?
        var clipsLinked = 0
        var decoded = 0
        var cached = 0
        var unreadable: [String: String] = [:]
    }

    private func process(_ unit: AnnotationUnit) -> Outcome {
        var outcome = Outcome()
        var frame: ReferenceFrame?
        var source = unit.reference
        var frameErrors: [String] = []
        for clip in unit.clips {
            do {
                let found = try frames.frame(path: clip.path, choice: frameChoice)
                if found.fromCache { outcome.cached += 1 } else { outcome.decoded += 1 }
                frame = found
                source = clip
                break
            } catch {
                frameErrors.append("\(error)")
                outcome.unreadable[clip.path] = "\(error)"
            }
        }
        do {
            guard let frame else {
                throw UnitFailure("no clip of the unit could be decoded: " + frameErrors.joined(separator: "; "))
            }
            let annotation = try annotator.annotate(unit, frame: frame, clip: source)
            // Every clip is opened (headers only) before it is linked: a corrupt or truncated clip is reported,
            // not attached to an annotation that a training script would then trust.
            var readable: [DatasetClip] = []
            for clip in unit.clips {
                if clip.path == source.path {
                    readable.append(clip)
                    continue
                }
                do {
                    _ = try MediaProbe.probe(path: clip.path)
                    readable.append(clip)
                } catch {
                    outcome.unreadable[clip.path] = "\(error)"
                }
            }
            let links = readable.map {
                ClipLink(annotationID: 0, clipPath: $0.path, actorID: $0.actor, view: $0.view, emotion: $0.emotion, level: $0.level)
            }
            _ = try store.completeBatchUnit(key: unit.key, annotation: annotation, clips: links)
            outcome.clipsLinked = links.count
        } catch {
            outcome.error = "\(error)"
            do {
                try store.failBatchUnit(key: unit.key, error: "\(error)")
            } catch {
                outcome.error! += " (and the failure could not be recorded: \(error))"
            }
        }
        return outcome
    }
}

/// A unit that failed before the model was asked.
struct UnitFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Outcomes gathered from the worker threads.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var annotated = 0, failed = 0, linked = 0, decoded = 0, cached = 0
    private var errors: [String: String] = [:]
    private var unreadable: [String: String] = [:]

    func record(_ key: String, _ outcome: BatchRunner.Outcome) {
        lock.lock()
        defer { lock.unlock() }
        if let error = outcome.error {
            failed += 1
            errors[key] = error
        } else {
            annotated += 1
        }
        linked += outcome.clipsLinked
        decoded += outcome.decoded
        cached += outcome.cached
        unreadable.merge(outcome.unreadable) { first, _ in first }
    }

    /// New links on a unit done before: counted as linked clips, not as an annotated or failed unit.
    func recordLinks(_ key: String, _ outcome: BatchRunner.Outcome) {
        lock.lock()
        defer { lock.unlock() }
        linked += outcome.clipsLinked
        unreadable.merge(outcome.unreadable) { first, _ in first }
        if let error = outcome.error { errors[key] = error }
    }

    func summary(units: Int, alreadyDone: Int, failedKept: Int) -> BatchRunner.Summary {
        lock.lock()
        defer { lock.unlock() }
        return BatchRunner.Summary(
            units: units, alreadyDone: alreadyDone, previouslyFailedNotRetried: failedKept, annotated: annotated,
            failed: failed, clipsLinked: linked, framesDecoded: decoded, framesFromCache: cached, errors: errors,
            unreadableClips: unreadable)
    }
}
