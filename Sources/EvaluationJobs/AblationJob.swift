import AnnotationRecord
import CoTFA
import Evaluation
import FACSKnowledge
import Foundation
import Renderer
import RenderingJobs
import Store

/// `tbd eval ablation`: the paper's Table 2 on chosen batch units. Each unit is rendered six times with one seed
/// through `RenderJob`: with the prompts of each annotation mode (label, describe, cot), with progressive guidance
/// on (coarse to fine) and off (the fine prompt at every step); each clip is scored against the unit's reference
/// clip, the clip whose frame and speech drove it. Renders resume from their manifests and finished windows, and
/// scores come from an `EvaluationCache` in the output folder, so a rerun after a kill continues.
public struct AblationJob {
    public struct Settings: Sendable {
        /// Batch unit keys ("mead/M003/happy/1"); nil: `sample` of them.
        public var units: [String]?
        /// This many of the store's done units, spread evenly over them in key order.
        public var sample: Int?
        /// Model, steps, seed, crop and the rest, as `tbd render` takes them; its output folder is `OUT/renders`.
        public var render: RenderSettings
        public var metrics: [EvaluationMetric]

        public init(render: RenderSettings, metrics: [EvaluationMetric]) {
            self.render = render
            self.metrics = metrics
        }
    }

    public enum Event {
        /// A unit's prompts for a mode, and where they came from.
        case prompts(unit: String, mode: AnnotationMode, source: String)
        case render(RenderJob.Event)
        case scored(EvaluationProgress)
    }

    /// A unit of the store: its annotation and the clip it was annotated from.
    struct Unit {
        let key: String
        let annotationID: Int64
        let detail: AnnotationDetail
    }

    public let settings: Settings
    public let store: ProjectStore
    public let outputFolder: URL
    let scoring: ClipScoring

    public init(settings: Settings, store: ProjectStore, outputFolder: URL, networks: EvaluationNetworks) throws {
        var settings = settings
        settings.render.outputFolder = outputFolder.appendingPathComponent("renders").path
        // Every row renders every unit: a filter or limit would drop rows unevenly.
        settings.render.emotion = nil
        settings.render.limit = nil
        try settings.render.validate()
        self.settings = settings
        self.store = store
        self.outputFolder = outputFolder
        scoring = ClipScoring(metrics: settings.metrics, networks: networks,
                              cache: EvaluationCache(folder: outputFolder.appendingPathComponent("evaluations")))
    }

    /// The units asked for: unknown or unfinished keys are refused, naming them, before anything is rendered.
    func chosenUnits() throws -> [Unit] {
        let done = try store.batchUnits().filter { $0.value.status == .done && $0.value.annotationID != nil }
        let keys: [String]
        if let asked = settings.units {
            let unknown = asked.filter { done[$0] == nil }
            guard unknown.isEmpty else {
                let known = done.keys.sorted()
                let some = known.prefix(5).joined(separator: ", ") + (known.count > 5 ? " and \(known.count - 5) more" : "")
                throw EvaluationError("no finished batch unit \(unknown.joined(separator: ", ")) in the store; its units are "
                                      + (known.isEmpty ? "none (run `tbd batch` first)" : some))
            }
            var seen = Set<String>()
            keys = asked.filter { seen.insert($0).inserted }
        } else {
            let all = done.keys.sorted()
            let count = min(settings.sample ?? 1, all.count)
            guard count > 0 else { throw EvaluationError("the store has no finished batch unit to sample (run `tbd batch` first)") }
            keys = (0..<count).map { all[$0 * all.count / count] }
        }
        return try keys.map { key in
            let id = done[key]!.annotationID!
            return Unit(key: key, annotationID: id, detail: try store.show(id: id))
        }
    }

    public func run(shouldStop: @escaping () -> Bool = { false }, report: (Event) -> Void = { _ in }) throws -> AblationTable {
        let units = try chosenUnits()
        // The batch annotator's budget: CLIP's exact token count.
        let pipeline = try CoTFAPipeline(table: try FACSTable.bundled(), backend: .offline, budget: PromptBudget(counter: try CLIPPromptTokenCounter()))
        var planned: [(unit: Unit, row: AblationTable.Row, pair: PromptPair, source: String)] = []
        for unit in units {
            let subject = unit.detail.annotation.subject
            // The ground truth is checked before anything is rendered: a still portrait or a missing clip has no frames to compare with.
            do { _ = try ClipFrames(path: subject.sourcePath) } catch let error as EvaluationError {
                throw EvaluationError("unit \(unit.key) has no ground-truth clip: \(error.description)")
            }
            for mode in AnnotationMode.allCases {
                let (coarse, fine, source) = try prompts(for: unit, mode: mode, pipeline: pipeline)
                report(.prompts(unit: unit.key, mode: mode, source: source))
                for row in AblationTable.Row.all where row.mode == mode.rawValue {
                    // Progressive guidance off: the fine prompt in both places, so every step's condition is it alone.
                    let pair = PromptPair(
                        annotationID: unit.annotationID, revision: unit.detail.current.number, coarsePrompt: row.progressive ? coarse : fine,
                        finePrompt: fine, emotion: unit.detail.annotation.emotion, sourcePath: subject.sourcePath)
                    planned.append((unit, row, pair, source))
                }
            }
        }
        let job = try RenderJob(source: .pairs(planned.map(\.pair)), settings: settings.render, store: nil)
        let outcomes = try job.run(shouldStop: shouldStop) { report(.render($0)) }
        guard outcomes.count == planned.count else {
            throw EvaluationError("the renderer returned \(outcomes.count) clips for \(planned.count) pairs")
        }
        var clips: [AblationTable.Clip] = []
        var (evaluated, cached) = (0, 0)
        var pace = EvaluationPace()
        for (index, (item, outcome)) in zip(planned, outcomes).enumerated() {
            // Scores already kept stay kept; the next run reads them back.
            if shouldStop() { throw RenderJobError.interrupted(name: "scoring") }
            let start = Date()
            let truth = item.unit.detail.annotation.subject.sourcePath
            let scored = try scoring.score(generated: outcome.result.videoPath, groundTruth: truth)
            if scored.cached { cached += 1 } else { evaluated += 1 }
            pace.record(seconds: Date().timeIntervalSince(start), cached: scored.cached)
            report(.scored(EvaluationProgress(
                done: index + 1, count: planned.count, name: outcome.name, cached: scored.cached,
                seconds: Date().timeIntervalSince(start), remainingSeconds: pace.estimate(remaining: planned.count - index - 1))))
            clips.append(AblationTable.Clip(
                unit: item.unit.key, row: item.row, coarsePrompt: item.pair.coarsePrompt, finePrompt: item.pair.finePrompt,
                promptSource: item.source, video: outcome.result.videoPath, groundTruth: truth, evaluation: scored.evaluation))
        }
        let render = settings.render
        let described = [
            "model: \(URL(fileURLWithPath: render.modelPath).standardizedFileURL.path)",
            "steps: \(render.steps), seed: \(render.seed), split: \(render.split), blend: \(render.blend.rawValue), cfg: \(render.guidanceScale)",
            "metrics: \(settings.metrics.map(\.rawValue).joined(separator: ", "))",
        ]
        return try AblationTable(units: units.map(\.key), metrics: settings.metrics, settings: described, clips: clips,
                                 evaluated: evaluated, cached: cached)
    }

    /// A unit's prompts in MODE: its own annotation's current revision when it is of that mode, else the newest
    /// annotation of the store with the same subject, emotion, level and mode, else the offline reasoner's (label
    /// mode's two templates need no model at all).
    func prompts(for unit: Unit, mode: AnnotationMode, pipeline: CoTFAPipeline) throws -> (coarse: String, fine: String, source: String) {
        let annotation = unit.detail.annotation
        if annotation.mode == mode {
            return (unit.detail.current.coarsePrompt, unit.detail.current.finePrompt, "store annotation #\(unit.annotationID)")
        }
        if let id = try store.annotationIDs(sameAs: annotation.subject, emotion: annotation.emotion, level: annotation.level, mode: mode).last {
            let other = try store.show(id: id)
            return (other.current.coarsePrompt, other.current.finePrompt, "store annotation #\(id)")
        }
        let written = try pipeline.annotate(AnnotationInput(subject: annotation.subject, emotion: annotation.emotion, level: annotation.level, mode: mode))
        return (written.coarsePrompt, written.finePrompt, "\(written.backend) (\(mode.rawValue), not stored)")
    }
}
