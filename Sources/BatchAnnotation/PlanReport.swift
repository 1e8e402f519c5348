import AnnotationRecord
import Foundation

/// The `--dry-run` summary: what was found, what will run, and what it costs against a naive run.
public struct PlanReport: Encodable, Sendable {
    public struct SkipCount: Encodable, Sendable {
        public let reason: String
        public let count: Int
    }

    /// The mode the run stores on its annotations.
    public let mode: String
    public let asksModel: Bool
    public let clipsFound: Int
    public let clipsSelected: Int
    public let clipsLinked: Int
    public let skipped: [SkipCount]
    public let actors: Int
    public let units: Int
    public let unitsAlreadyDone: Int
    public let unitsToRun: Int
    public let modelCalls: BatchPlan.Calls
    public let modelCallsTotal: Int
    public let naiveModelCalls: Int
    public let callsPerClip: Double
    public let concurrency: Int
    public let secondsPerCallAssumed: Double
    public let estimatedSeconds: Double

    public init(plan: BatchPlan, scan: ScanResult, concurrency: Int, secondsPerCall: Double) {
        mode = plan.mode.rawValue
        asksModel = plan.asksModel
        clipsFound = plan.clipsFound
        clipsSelected = plan.clipsSelected
        clipsLinked = plan.clipsLinked
        skipped = scan.skippedByReason.map { SkipCount(reason: $0.reason, count: $0.count) }
        actors = plan.actors
        units = plan.units.count
        unitsAlreadyDone = plan.unitsAlreadyDone
        unitsToRun = plan.units.count - plan.unitsAlreadyDone
        modelCalls = plan.calls
        modelCallsTotal = plan.calls.total
        naiveModelCalls = plan.naiveCalls
        callsPerClip = plan.callsPerClip
        self.concurrency = concurrency
        secondsPerCallAssumed = secondsPerCall
        estimatedSeconds = plan.estimatedSeconds(concurrency: concurrency, secondsPerCall: secondsPerCall)
    }

    /// The plan in a few lines a person reads.
    public var text: String {
        var lines = [
            "clips found: \(clipsFound) (selected \(clipsSelected), linked \(clipsLinked)); skipped files: \(skipped.reduce(0) { $0 + $1.count })",
        ]
        for skip in skipped { lines.append("  skipped \(skip.count) x \(skip.reason)") }
        lines.append("units (actor x emotion x level): \(units) from \(actors) actors; already done: \(unitsAlreadyDone); to run: \(unitsToRun)")
        if !asksModel {
            lines.append("model calls: none (offline FACS-rules reasoner or label mode: no model is asked)")
            return lines.joined(separator: "\n")
        }
        lines.append(
            "model calls (\(mode)): \(modelCallsTotal) = stage I \(modelCalls.stageOne) + stages II-III \(modelCalls.stagesTwoAndThree) + stage IV \(modelCalls.stageFour) + direct \(modelCalls.direct)")
        let ratio = naiveModelCalls == 0 ? 0 : Double(modelCallsTotal) / Double(naiveModelCalls)
        lines.append(String(
            format: "naive four-per-clip run: %d calls; this plan needs %.1f%% of that (%.3f calls per clip)",
            naiveModelCalls, ratio * 100, callsPerClip))
        lines.append(String(
            format: "estimate: %@ at concurrency %d and %.1f s per call (calls already in the cache cost nothing)",
            Self.duration(estimatedSeconds), concurrency, secondsPerCallAssumed))
        return lines.joined(separator: "\n")
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \(total % 3600 / 60) min"
    }
}
