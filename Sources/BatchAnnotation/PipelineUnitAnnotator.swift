import AnnotationRecord
import ContentHashing
import CoTFA
import FACSKnowledge
import Foundation
import MediaIO
import Store

/// Annotates units with the CoT-FA pipeline: one pipeline per endpoint (least busy first), or the offline
/// reasoner. In `cot` mode with a model, stages are grouped for sharing (`StageGrouping.sharedAnalysis`):
/// stage I describes each actor once, from the actor's neutral unit when there is one.
public final class PipelineUnitAnnotator: UnitAnnotating, @unchecked Sendable {
    private let pipelines: [CoTFAPipeline]
    private let mode: AnnotationMode
    private let textOnly: Bool
    private let frames: ReferenceFrameCache
    private let frameChoice: FrameChoice
    /// With a face check, stage I's picture of the actor is a clip's sharpest one-face frame, as a unit's is.
    private let faceCheck: FaceCheck?
    /// Per actor, the clips to describe the face from, best first.
    private let actorClips: [String: [DatasetClip]]
    private let lock = NSLock()
    private var busy: [Int]
    private var actorFrames: [String: (clip: DatasetClip, frame: ReferenceFrame?)] = [:]

    public init(
        pipelines: [CoTFAPipeline], mode: AnnotationMode, textOnly: Bool, units: [AnnotationUnit],
        frames: ReferenceFrameCache, frameChoice: FrameChoice = .middle, faceCheck: FaceCheck? = nil
    ) {
        precondition(!pipelines.isEmpty, "at least one pipeline")
        self.pipelines = pipelines
        self.mode = mode
        self.textOnly = textOnly
        self.frames = frames
        self.frameChoice = frameChoice
        self.faceCheck = faceCheck
        busy = Array(repeating: 0, count: pipelines.count)
        var clips: [String: [DatasetClip]] = [:]
        let neutralFirst = units.filter { $0.emotion == "neutral" } + units.filter { $0.emotion != "neutral" }
        for unit in neutralFirst {
            clips["\(unit.dataset.rawValue)/\(unit.actor)", default: []] += unit.clips
        }
        actorClips = clips
    }

    public func annotate(_ unit: AnnotationUnit, frame: ReferenceFrame?, clip: DatasetClip) throws -> Annotation {
        guard let level = EmotionLevel(rawValue: unit.level) else { throw UnitFailure("level \(unit.level) is not 1, 2 or 3") }
        var input = AnnotationInput(
            subject: subject(for: clip, frame: frame), emotion: unit.emotion, level: level, mode: mode,
            image: textOnly ? nil : frame.map { PortraitImage(jpeg: $0.jpeg, width: $0.width, height: $0.height) },
            textOnly: textOnly)
        if mode == .cot {
            let face = try actorFrame(unit)
            input.grouping = .sharedAnalysis(
                stageOneSubject: subject(for: face.clip, frame: face.frame),
                stageOneImage: textOnly ? nil : face.frame.map { PortraitImage(jpeg: $0.jpeg, width: $0.width, height: $0.height) })
        }
        let index = takeLeastBusy()
        defer { release(index) }
        return try pipelines[index].annotate(input)
    }

    private func subject(for clip: DatasetClip, frame: ReferenceFrame?) -> AnnotationSubject {
        AnnotationSubject(
            sourcePath: clip.path, kind: .unit, actorID: clip.dataset == .mead ? clip.actor : nil, view: clip.view,
            contentHash: frame.map { SHA256Digest.hex(of: $0.key) }, description: clip.subject)
    }

    /// The actor's stage I picture: the first clip (neutral units first) whose frame decodes (with a face check:
    /// that shows one face, at its sharpest candidate frame), found once.
    /// Decoding happens outside the lock, so other workers are not held up; two workers racing on one actor
    /// find the same clip, and the second reads it from the frame cache.
    private func actorFrame(_ unit: AnnotationUnit) throws -> (clip: DatasetClip, frame: ReferenceFrame?) {
        let actor = "\(unit.dataset.rawValue)/\(unit.actor)"
        if let known = lock.withLock({ actorFrames[actor] }) { return known }
        for clip in actorClips[actor] ?? unit.clips {
            var choice = frameChoice
            if let faceCheck {
                guard case .face(let chosen)? = try? faceCheck.sharpestFace(path: clip.path, around: frameChoice) else { continue }
                choice = .index(chosen.frameIndex)
            }
            if let frame = try? frames.frame(path: clip.path, choice: choice) {
                lock.withLock { actorFrames[actor] = (clip, frame) }
                return (clip, frame)
            }
        }
        throw UnitFailure("no clip of actor \(unit.actor) could be decoded for stage I")
    }

    private func takeLeastBusy() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let index = busy.indices.min { busy[$0] < busy[$1] }!
        busy[index] += 1
        return index
    }

    private func release(_ index: Int) {
        lock.lock()
        busy[index] -= 1
        lock.unlock()
    }
}
