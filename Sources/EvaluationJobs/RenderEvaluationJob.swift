import AnnotationRecord
import DatasetLayout
import Evaluation
import Foundation
import RenderingJobs
import Store

/// `tbd eval renders`: every render of the store scored against the ground-truth clip of its batch unit, laid out
/// as the paper's Table 1. A render that cannot be scored (not finished, no batch unit, files gone, a clip that
/// does not decode) is listed with the reason; scores are kept in an `EvaluationCache`, so a rerun scores only
/// what changed.
public struct RenderEvaluationJob {
    public let store: ProjectStore
    let scoring: ClipScoring

    public init(store: ProjectStore, metrics: [EvaluationMetric], networks: EvaluationNetworks, cache: EvaluationCache) {
        self.store = store
        scoring = ClipScoring(metrics: metrics, networks: networks, cache: cache)
    }

    /// A render the store knows and the clip it is compared with.
    struct Work {
        let render: RenderRecord
        let video: String
        let groundTruth: String
        let dataset: String
        let emotion: String
        let level: Int
    }

    public func run(progress: (EvaluationProgress) -> Void = { _ in }) throws -> RenderTable {
        let (work, skipped) = try plan()
        var entries: [RenderTable.Entry] = []
        var skips = skipped
        var (evaluated, cached) = (0, 0)
        var pace = EvaluationPace()
        for (index, item) in work.enumerated() {
            let start = Date()
            do {
                let scored = try scoring.score(generated: item.video, groundTruth: item.groundTruth)
                if scored.cached { cached += 1 } else { evaluated += 1 }
                entries.append(RenderTable.Entry(
                    renderID: item.render.id, dataset: item.dataset, model: Self.modelName(item.render), emotion: item.emotion,
                    level: item.level, evaluation: scored.evaluation))
                pace.record(seconds: Date().timeIntervalSince(start), cached: scored.cached)
                progress(EvaluationProgress(
                    done: index + 1, count: work.count, name: "render \(item.render.id)", cached: scored.cached,
                    seconds: Date().timeIntervalSince(start), remainingSeconds: pace.estimate(remaining: work.count - index - 1)))
            } catch let error as EvaluationError {
                skips.append(RenderTable.Skip(renderID: item.render.id, reason: error.description))
            }
        }
        return try RenderTable(entries: entries, skipped: skips, metrics: scoring.metrics, evaluated: evaluated, cached: cached)
    }

    /// The renders to score and those left out with the reason, in render order.
    func plan() throws -> (work: [Work], skipped: [RenderTable.Skip]) {
        var unitOf: [Int64: String] = [:]
        for (key, unit) in try store.batchUnits() { if let id = unit.annotationID { unitOf[id] = key } }
        var work: [Work] = []
        var skipped: [RenderTable.Skip] = []
        for render in try store.renders() {
            func skip(_ reason: String) { skipped.append(RenderTable.Skip(renderID: render.id, reason: reason)) }
            guard render.status == .done, let outputs = render.outputs else {
                skip("not finished: \(render.status.rawValue)" + (render.error.map { " (\($0))" } ?? ""))
                continue
            }
            guard let unit = unitOf[render.annotationID] else {
                skip("annotation \(render.annotationID) is no batch unit's, so it has no ground-truth clip")
                continue
            }
            let links = try store.clipLinks(annotationID: render.annotationID)
            let annotation = try store.show(id: render.annotationID).annotation
            guard let truth = Self.groundTruth(of: render, among: links.map(\.clipPath), annotated: annotation.subject.sourcePath) else {
                skip("unit \(unit) has no clip linked to compare with")
                continue
            }
            guard FileManager.default.fileExists(atPath: outputs.video) else {
                skip("the rendered video \(outputs.video) is gone")
                continue
            }
            guard FileManager.default.fileExists(atPath: truth) else {
                skip("the ground-truth clip \(truth) is gone")
                continue
            }
            work.append(Work(
                render: render, video: outputs.video, groundTruth: truth, dataset: String(unit.prefix { $0 != "/" }),
                emotion: annotation.emotion, level: annotation.level.rawValue))
        }
        return (work, skipped)
    }

    /// The clip of the unit the render was drawn from: the one its reference frame came from, else the one whose
    /// speech drove it (a MEAD clip's ACTOR/audio/EMOTION/LEVEL/NNN.m4a, or the clip's own sound track), else (an
    /// image checkpoint's render, drawn from neither) the clip the annotation describes, when it is linked.
    static func groundTruth(of render: RenderRecord, among clips: [String], annotated: String) -> String? {
        let standard = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        let manifest = try? ProjectJSON.decode(RenderManifest.self, from: render.parametersJSON)
        if let reference = manifest?.reference.map(standard), let clip = clips.first(where: { standard($0) == reference }) { return clip }
        if let audio = manifest?.audio.map(standard), let clip = clips.first(where: { clip in
            standard(clip) == audio || (try? MEADPath(parsing: clip))?.speech.path.map(standard) == audio
        }) { return clip }
        return clips.first { standard($0) == standard(annotated) }
    }

    /// A model's row in the table: its folder's name and the first digits of its content fingerprint.
    static func modelName(_ render: RenderRecord) -> String {
        let name = URL(fileURLWithPath: render.modelPath).lastPathComponent
        return render.modelHash.map { "\(name) (\($0.prefix(8)))" } ?? name
    }
}
