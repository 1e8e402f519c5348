import ContentHashing
import Foundation
import WorkerThreads
import MediaIO
import Store

/// Runs a plan's units on `concurrency` threads: for each unit, a reference frame from the cache (trying the
/// unit's clips in order until one decodes, and with a face check until one shows one face, whose sharpest
/// candidate frame becomes the reference), the annotator, then one transaction that stores the annotation and
/// the reference's face, links every clip (with a face check, every clip that shows one face) and marks the unit
/// done. Done units are skipped, failed ones keep their error and attempt count and run again only with
/// `retryFailed`, so a killed run resumes where it stopped without duplicates.
public struct BatchRunner: Sendable {
    public let store: ProjectStore
    public let frames: ReferenceFrameCache
    public let annotator: any UnitAnnotating
    public let concurrency: Int
    public let retryFailed: Bool
    public let frameChoice: FrameChoice
    /// Nil: every readable clip is used, as for synthetic data with no face in it.
    public let faceCheck: FaceCheck?

    public init(
        store: ProjectStore, frames: ReferenceFrameCache, annotator: any UnitAnnotating, concurrency: Int = 4,
        retryFailed: Bool = false, frameChoice: FrameChoice = .middle, faceCheck: FaceCheck? = nil
    ) {
        self.store = store
        self.frames = frames
        self.annotator = annotator
        self.concurrency = max(1, concurrency)
        self.retryFailed = retryFailed
        self.frameChoice = frameChoice
        self.faceCheck = faceCheck
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
        /// Clip path to why the face check passed it over ("no face found in 5 candidate frames", "several faces
        /// in 2 of 5 candidate frames"): not linked, their unit goes on.
        public var clipsWithoutFace: [String: String]
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
                guard usable(clip, outcome: &outcome) else { continue }
                fresh.append(ClipLink(annotationID: id, clipPath: clip.path, actorID: clip.actor, view: clip.view, emotion: clip.emotion, level: clip.level))
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
        var withoutFace: [String: String] = [:]
    }

    /// Whether a clip that is not the reference may be linked: it opens (headers only), and with a face check one
    /// of its candidate frames shows one face. A clip that may not is recorded in `outcome` with its reason.
    private func usable(_ clip: DatasetClip, outcome: inout Outcome) -> Bool {
        do {
            guard let faceCheck else {
                _ = try MediaProbe.probe(path: clip.path)
                return true
            }
            if case .unusable(let reason) = try faceCheck.anyFace(path: clip.path, around: frameChoice) {
                outcome.withoutFace[clip.path] = reason
                return false
            }
            return true
        } catch {
            outcome.unreadable[clip.path] = "\(error)"
            return false
        }
    }

    private func process(_ unit: AnnotationUnit) -> Outcome {
        var outcome = Outcome()
        var frame: ReferenceFrame?
        var face: ChosenFace?
        var source = unit.reference
        var problems: [String] = []
        /// Clips already judged unusable while looking for the reference: with a face check, not examined twice.
        var passedOver: Set<String> = []
        for clip in unit.clips {
            do {
                var choice = frameChoice
                if let faceCheck {
                    switch try faceCheck.sharpestFace(path: clip.path, around: frameChoice) {
                    case .face(let chosen):
                        face = chosen
                        choice = .index(chosen.frameIndex)
                    case .unusable(let reason):
                        problems.append("\(clip.path): \(reason)")
                        outcome.withoutFace[clip.path] = reason
                        passedOver.insert(clip.path)
                        continue
                    }
                }
                let found = try frames.frame(path: clip.path, choice: choice)
                if found.fromCache { outcome.cached += 1 } else { outcome.decoded += 1 }
                frame = found
                source = clip
                break
            } catch {
                face = nil
                problems.append("\(error)")
                outcome.unreadable[clip.path] = "\(error)"
                passedOver.insert(clip.path)
            }
        }
        do {
            guard let frame else {
                throw UnitFailure(
                    (outcome.withoutFace.isEmpty ? "no clip of the unit could be decoded: " : "no clip of the unit shows one usable face: ")
                        + problems.joined(separator: "; "))
            }
            var annotation = try annotator.annotate(unit, frame: frame, clip: source)
            // The face is kept under the subject's content hash; an annotator that set none gets the pipeline's
            // (the hash of the frame's cache key), so the face always has a key to be found by.
            if face != nil, annotation.subject.contentHash == nil { annotation.subject.contentHash = SHA256Digest.hex(of: frame.key) }
            // Every clip is opened (headers only) before it is linked: a corrupt or truncated clip is reported,
            // not attached to an annotation that a training script would then trust. With a face check, a clip
            // must also show one face: a clip of nobody, or of several people, is reported and not linked.
            var readable: [DatasetClip] = []
            for clip in unit.clips {
                if clip.path == source.path {
                    readable.append(clip)
                } else if faceCheck != nil, passedOver.contains(clip.path) {
                    continue
                } else if usable(clip, outcome: &outcome) {
                    readable.append(clip)
                }
            }
            let links = readable.map {
                ClipLink(annotationID: 0, clipPath: $0.path, actorID: $0.actor, view: $0.view, emotion: $0.emotion, level: $0.level)
            }
            _ = try store.completeBatchUnit(key: unit.key, annotation: annotation, clips: links, referenceFace: face?.record)
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
    private var withoutFace: [String: String] = [:]

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
        withoutFace.merge(outcome.withoutFace) { first, _ in first }
    }

    /// New links on a unit done before: counted as linked clips, not as an annotated or failed unit.
    func recordLinks(_ key: String, _ outcome: BatchRunner.Outcome) {
        lock.lock()
        defer { lock.unlock() }
        linked += outcome.clipsLinked
        unreadable.merge(outcome.unreadable) { first, _ in first }
        withoutFace.merge(outcome.withoutFace) { first, _ in first }
        if let error = outcome.error { errors[key] = error }
    }

    func summary(units: Int, alreadyDone: Int, failedKept: Int) -> BatchRunner.Summary {
        lock.lock()
        defer { lock.unlock() }
        return BatchRunner.Summary(
            units: units, alreadyDone: alreadyDone, previouslyFailedNotRetried: failedKept, annotated: annotated,
            failed: failed, clipsLinked: linked, framesDecoded: decoded, framesFromCache: cached, errors: errors,
            unreadableClips: unreadable, clipsWithoutFace: withoutFace)
    }
}
